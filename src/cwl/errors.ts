/**
 * Errors of the CWL layer (loading, inputs, expressions, running tools, workflows).
 * One class per failure kind; each names where the problem is and what to do about it.
 */
import { stringifyJson, ErrorCode, ParslCwlError, registerRemoteError } from '../util/index.js';

/** Where in a document a problem is: a file, a line (1-based) and a field path. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

function where(loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}` : loc.file);
  if (loc.field) parts.push(`field '${loc.field}'`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}

/** Thrown when a document or job file is not well-formed YAML/JSON. */
export class YamlSyntaxError extends ParslCwlError {
  constructor(readonly location: SourceLocation, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.YamlSyntax, `${where(location)}${reason}`, { ...options, data: { ...location } });
  }
}

/**
 * Thrown when a job file or document is beyond a reading limit (its size, its aliases, or its size
 * with aliases expanded: a YAML alias bomb), before anything walks it.
 */
export class DocumentLimitError extends ParslCwlError {
  constructor(readonly file: string, reason: string) {
    super(ErrorCode.DocumentLimit, `${file}: ${reason}; refusing to read it (docs/loading-and-inputs.md, "Limits")`, { data: { file } });
  }
}

/** Thrown when a referenced document (tool, `run:`, `$import`, job file) cannot be read. */
export class DocumentNotFoundError extends ParslCwlError {
  constructor(readonly uri: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.DocumentNotFound, `${uri}: ${reason}`, { ...options, data: { uri } });
  }
}

/** Thrown when a document does not validate against the CWL schema. */
export class DocumentInvalidError extends ParslCwlError {
  constructor(readonly location: SourceLocation, readonly reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.DocumentInvalid, `${where(location)}${reason}`, { ...options, data: { ...location } });
  }
}

/** Thrown when a document declares a `cwlVersion` this runner does not load (draft-3, v2.0...). */
export class UnsupportedVersionError extends ParslCwlError {
  constructor(readonly file: string, readonly version: string) {
    super(ErrorCode.UnsupportedVersion, `${file}: cwlVersion '${version}' is not supported; use v1.0, v1.1 or v1.2 (cwl-upgrader converts draft-3)`, {
      data: { file, version },
    });
  }
}

/** Thrown when an input value does not match the declared type (or is missing). */
export class InputInvalidError extends ParslCwlError {
  constructor(readonly inputName: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.InputInvalid, `input '${inputName}': ${reason}`, { ...options, data: { inputName } });
  }
}

/** Thrown when the job names an input the process does not declare. */
export class InputUnknownError extends ParslCwlError {
  constructor(readonly inputName: string, known: string[]) {
    super(ErrorCode.InputUnknown, `unknown input '${inputName}'; the process declares: ${known.join(', ') || '(no inputs)'}`, {
      data: { inputName, known },
    });
  }
}

/** Thrown when a File/Directory input points at something that does not exist. */
export class InputFileMissingError extends ParslCwlError {
  constructor(readonly inputName: string, readonly location: string) {
    super(ErrorCode.InputFileMissing, `input '${inputName}': ${location} does not exist; check the path in the job file`, {
      data: { inputName, location },
    });
  }
}

/** Thrown when a CWL expression or parameter reference fails. */
export class ExpressionError extends ParslCwlError {
  constructor(readonly expression: string, reason: string, options?: { cause?: unknown; field?: string }) {
    super(ErrorCode.ExpressionError, `${options?.field ? `${options.field}: ` : ''}expression ${stringifyJson(shorten(expression))} failed: ${reason}`, {
      cause: options?.cause,
      data: { expression, field: options?.field },
    });
  }
}

/** Thrown when an expression runs past its time limit. */
export class ExpressionTimeoutError extends ParslCwlError {
  constructor(readonly expression: string, readonly timeoutMs: number) {
    super(ErrorCode.ExpressionTimeout, `expression ${stringifyJson(shorten(expression))} did not finish within ${timeoutMs} ms; look for an endless loop`, {
      data: { expression, timeoutMs },
    });
  }
}

/** Thrown when an expression's evaluator thread reaches its heap limit. */
export class ExpressionMemoryError extends ParslCwlError {
  constructor(readonly expression: string, readonly memoryMb: number) {
    super(ErrorCode.ExpressionMemoryLimit, `expression ${JSON.stringify(shorten(expression))} used more than its memory limit of ${memoryMb} MB; raise it with --eval-memory if the expression needs more`, {
      data: { expression, memoryMb },
    });
  }
}

/** Thrown when a process needs a feature this runner does not support (exit code 33). */
export class UnsupportedRequirementError extends ParslCwlError {
  constructor(readonly requirement: string, reason: string) {
    super(ErrorCode.UnsupportedRequirement, `${requirement}: ${reason}`, { data: { requirement } });
  }
}

/** Thrown when a tool's command exits with a code that is not a success code. */
export class ToolFailedError extends ParslCwlError {
  constructor(
    readonly jobName: string,
    readonly exitCode: number,
    readonly stderrTail: string,
    readonly kind: 'permanentFail' | 'temporaryFail' = 'permanentFail',
  ) {
    super(
      kind === 'temporaryFail' ? ErrorCode.ToolTemporaryFailure : ErrorCode.ToolFailed,
      `${jobName}: command exited with code ${exitCode}${stderrTail ? `; its stderr ends with:\n${stderrTail}` : ''}`,
      { data: { jobName, exitCode, stderrTail, kind } },
    );
  }
}

/** Thrown when a tool runs past its ToolTimeLimit. */
export class ToolTimeoutError extends ParslCwlError {
  constructor(readonly jobName: string, readonly timeLimitSec: number) {
    super(ErrorCode.ToolTimeout, `${jobName}: killed after its time limit of ${timeLimitSec} s (ToolTimeLimit)`, {
      data: { jobName, timeLimitSec },
    });
  }
}

/** Thrown when inputs cannot be staged into the job directory. */
export class StagingError extends ParslCwlError {
  constructor(readonly jobName: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.StagingFailed, `${jobName}: ${reason}`, { ...options, data: { jobName } });
  }
}

/** Thrown when a required output is missing (e.g. a glob that matched nothing). */
export class OutputMissingError extends ParslCwlError {
  constructor(readonly jobName: string, readonly outputName: string, reason: string) {
    super(ErrorCode.OutputMissing, `${jobName}: output '${outputName}': ${reason}`, { data: { jobName, outputName } });
  }
}

/** Thrown when an output value does not match the declared output type. */
export class OutputInvalidError extends ParslCwlError {
  constructor(readonly jobName: string, readonly outputName: string, reason: string) {
    super(ErrorCode.OutputInvalid, `${jobName}: output '${outputName}': ${reason}`, { data: { jobName, outputName } });
  }
}

/**
 * Thrown when the final outputs cannot be placed in the output folder (`--outdir`): it is a file,
 * is below one, is not writable or is full. `keptIn` names the folder that still holds the
 * outputs not moved (the run keeps it); absent when this was found before anything ran.
 */
export class OutputsNotPlacedError extends ParslCwlError {
  constructor(readonly outdir: string, readonly reason: string, options?: { keptIn?: string; cause?: unknown }) {
    const kept = options?.keptIn ? `; the outputs not moved are kept in ${options.keptIn}` : '';
    super(ErrorCode.OutputsNotPlaced, `output folder ${outdir}: ${reason}${kept}`, { cause: options?.cause, data: { outdir, keptIn: options?.keptIn } });
  }
}

/**
 * Thrown when the job cache folder (`--cachedir`, docs/cache.md) cannot be made or written: the
 * run does not go on without the cache it was asked to use.
 */
export class CacheUnusableError extends ParslCwlError {
  constructor(readonly dir: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.CacheUnusable, `cache folder ${dir}: ${reason}; give --cachedir a folder this user can write (or --no-cache)`, { cause: options?.cause, data: { dir, reason } });
  }
}

/** Thrown when a workflow step fails; names the step (and scatter index) and chains the cause. */
export class WorkflowStepFailedError extends ParslCwlError {
  constructor(readonly stepId: string, reason: string, options?: { cause?: unknown; scatterIndex?: number[] }) {
    const idx = options?.scatterIndex?.length ? `[${options.scatterIndex.join(',')}]` : '';
    super(ErrorCode.WorkflowStepFailed, `step '${stepId}${idx}' failed: ${reason}`, {
      cause: options?.cause,
      data: { stepId, scatterIndex: options?.scatterIndex },
    });
  }
}

/** Thrown when a workflow is structurally wrong (unknown source, cycle, bad scatter...). */
export class WorkflowInvalidError extends ParslCwlError {
  constructor(readonly location: SourceLocation, readonly reason: string) {
    super(ErrorCode.WorkflowInvalid, `${where(location)}${reason}`, { data: { ...location } });
  }
}

/** Thrown when `pickValue` finds no (or too many) non-null values on a step input or workflow output. */
export class PickValueError extends ParslCwlError {
  constructor(readonly sink: string, readonly method: string, reason: string) {
    super(ErrorCode.PickValueFailed, `${sink}: pickValue ${method}: ${reason}`, { data: { sink, method } });
  }
}

/** Thrown when a step's `when` expression returns something other than true or false. */
export class ConditionNotBooleanError extends ParslCwlError {
  constructor(readonly stepId: string, readonly value: unknown) {
    super(ErrorCode.ConditionNotBoolean, `step '${stepId}': 'when' must return true or false, got ${stringifyJson(value) ?? String(value)}; fix the expression`, {
      data: { stepId },
    });
  }
}

/**
 * Thrown when a DockerRequirement's image cannot be made available on this node (pull, load, build
 * or import failed, or the engine cannot do what the requirement asks). `reason` is one line: the
 * engine's own message, or what is missing.
 */
export class ImageUnavailableError extends ParslCwlError {
  constructor(readonly image: string, readonly engine: string, readonly reason: string) {
    super(ErrorCode.ImageUnavailable, `image '${image}' is not available to ${engine}: ${reason}`, { data: { image, engine, reason } });
  }
}

/** Thrown when a scattered input is not an array, or dotproduct inputs differ in length. */
export class ScatterInputError extends ParslCwlError {
  constructor(readonly stepId: string, reason: string) {
    super(ErrorCode.ScatterInputInvalid, `step '${stepId}': ${reason}`, { data: { stepId } });
  }
}

function shorten(s: string): string {
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

// Failures of a job on an HTEX worker come back as the same classes.
registerRemoteError(ErrorCode.ToolFailed, (j) => {
  const d = j.data ?? {};
  return new ToolFailedError(String(d.jobName), Number(d.exitCode), String(d.stderrTail ?? ''), 'permanentFail');
});
registerRemoteError(ErrorCode.ToolTemporaryFailure, (j) => {
  const d = j.data ?? {};
  return new ToolFailedError(String(d.jobName), Number(d.exitCode), String(d.stderrTail ?? ''), 'temporaryFail');
});
registerRemoteError(ErrorCode.CacheUnusable, (j) => new CacheUnusableError(String(j.data?.dir), String(j.data?.reason)));
registerRemoteError(ErrorCode.ToolTimeout, (j) => new ToolTimeoutError(String(j.data?.jobName), Number(j.data?.timeLimitSec)));
registerRemoteError(ErrorCode.UnsupportedRequirement, (j) => {
  const e = new UnsupportedRequirementError(String(j.data?.requirement), '');
  Object.defineProperty(e, 'message', { value: `[${j.code}] ${j.message}` });
  return e;
});

registerRemoteError(ErrorCode.ImageUnavailable, (j) => new ImageUnavailableError(String(j.data?.image), String(j.data?.engine), String(j.data?.reason)));

// Declared by the process layer (it reads PARSL_CWL_SPAWNER), which sits below this one.
export { EnvironmentSettingError } from '../process/index.js';
