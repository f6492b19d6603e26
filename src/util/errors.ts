/**
 * The error base shared by every layer, and the one registry of stable error codes.
 *
 * Each layer declares its own classes in its `errors.ts` (src/cwl/errors.ts, src/dataflow/errors.ts,
 * src/executors/errors.ts, src/providers/errors.ts), one class per failure kind, each extending
 * {@link ParslCwlError} with a code from {@link ErrorCode}. Codes are printed in messages
 * (`[PCWL_...]`), matched by tests, and mapped to process exit codes by the CLI in one place
 * (src/cli/exitCodes.ts). Errors that cross a process boundary travel as {@link ErrorJson}.
 */

/** Stable error codes. Never renumber or reuse a code; add new ones at the end of a group. */
export const ErrorCode = {
  // Loading and validating documents (src/cwl/load)
  YamlSyntax: 'PCWL_YAML_SYNTAX',
  DocumentNotFound: 'PCWL_DOCUMENT_NOT_FOUND',
  DocumentInvalid: 'PCWL_DOCUMENT_INVALID',
  UnsupportedVersion: 'PCWL_UNSUPPORTED_VERSION',
  DocumentLimit: 'PCWL_DOCUMENT_LIMIT',
  // Inputs (job files, command-line inputs, validation)
  InputInvalid: 'PCWL_INPUT_INVALID',
  InputUnknown: 'PCWL_INPUT_UNKNOWN',
  InputFileMissing: 'PCWL_INPUT_FILE_MISSING',
  // Expressions
  ExpressionError: 'PCWL_EXPRESSION_ERROR',
  ExpressionTimeout: 'PCWL_EXPRESSION_TIMEOUT',
  ExpressionMemoryLimit: 'PCWL_EXPRESSION_MEMORY',
  // Running a tool
  UnsupportedRequirement: 'PCWL_UNSUPPORTED_REQUIREMENT',
  ToolFailed: 'PCWL_TOOL_FAILED',
  ToolTimeout: 'PCWL_TOOL_TIMEOUT',
  ToolTemporaryFailure: 'PCWL_TOOL_TEMPORARY_FAILURE',
  StagingFailed: 'PCWL_STAGING_FAILED',
  OutputMissing: 'PCWL_OUTPUT_MISSING',
  OutputInvalid: 'PCWL_OUTPUT_INVALID',
  OutputsNotPlaced: 'PCWL_OUTPUTS_NOT_PLACED',
  // Containers (src/cwl/containers)
  ImageUnavailable: 'PCWL_IMAGE_UNAVAILABLE',
  CacheUnusable: 'PCWL_CACHE_UNUSABLE',
  // Workflows
  WorkflowStepFailed: 'PCWL_WORKFLOW_STEP_FAILED',
  WorkflowInvalid: 'PCWL_WORKFLOW_INVALID',
  PickValueFailed: 'PCWL_PICK_VALUE_FAILED',
  ConditionNotBoolean: 'PCWL_CONDITION_NOT_BOOLEAN',
  ScatterInputInvalid: 'PCWL_SCATTER_INPUT_INVALID',
  // DataFlowKernel
  DependencyFailed: 'PCWL_DEPENDENCY_FAILED',
  BashExitFailure: 'PCWL_BASH_EXIT_FAILURE',
  TaskWalltimeExceeded: 'PCWL_TASK_WALLTIME',
  KernelShutDown: 'PCWL_KERNEL_SHUT_DOWN',
  KernelState: 'PCWL_KERNEL_STATE',
  RunRecordMissing: 'PCWL_RUN_RECORD_MISSING',
  RunRecordInvalid: 'PCWL_RUN_RECORD_INVALID',
  // Executors
  ExecutorState: 'PCWL_EXECUTOR_STATE',
  ExecutorFailed: 'PCWL_EXECUTOR_FAILED',
  ManagerLost: 'PCWL_MANAGER_LOST',
  WorkerLost: 'PCWL_WORKER_LOST',
  BlockWalltime: 'PCWL_BLOCK_WALLTIME',
  InterchangeFailed: 'PCWL_INTERCHANGE_FAILED',
  VersionMismatch: 'PCWL_VERSION_MISMATCH',
  ProtocolError: 'PCWL_PROTOCOL_ERROR',
  CertificateInvalid: 'PCWL_CERTIFICATE_INVALID',
  JobRunnerMissing: 'PCWL_JOB_RUNNER_MISSING',
  // Providers
  SubmitFailed: 'PCWL_SUBMIT_FAILED',
  ProviderCommandFailed: 'PCWL_PROVIDER_COMMAND_FAILED',
  ProviderCommandTimeout: 'PCWL_PROVIDER_COMMAND_TIMEOUT',
  // Configuration and CLI
  ConfigInvalid: 'PCWL_CONFIG_INVALID',
  UsageError: 'PCWL_USAGE',
  TmpdirUnusable: 'PCWL_TMPDIR_UNUSABLE',
  RunDirUnusable: 'PCWL_RUN_DIR_UNUSABLE',
  // Conformance harness
  SuiteNotFound: 'PCWL_SUITE_NOT_FOUND',
  TestListInvalid: 'PCWL_TEST_LIST_INVALID',
  BaselineInvalid: 'PCWL_BASELINE_INVALID',
  RunnerNotFound: 'PCWL_RUNNER_NOT_FOUND',
  // Run reports and provenance (src/cli/runReport, src/cli/run/provenance.ts)
  ReportAssetsMissing: 'PCWL_REPORT_ASSETS_MISSING',
  ReportWriteFailed: 'PCWL_REPORT_WRITE_FAILED',
  ProvenanceFailed: 'PCWL_PROVENANCE_FAILED',
  // Processes (src/process)
  ProcessStartFailed: 'PCWL_PROCESS_START_FAILED',
  ProcessLost: 'PCWL_PROCESS_LOST',
  // Anything that was not classified: a bug in parsl-cwl
  Internal: 'PCWL_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The wire form of an error (vscode-jsonrpc style). */
export interface ErrorJson {
  code: ErrorCode | string;
  name: string;
  message: string;
  data?: Record<string, unknown>;
  cause?: ErrorJson;
}

/** Thrown (via a subclass) for every failure parsl-cwl reports on purpose. */
export class ParslCwlError extends Error {
  readonly code: ErrorCode;
  /** Context fields (file, field, stepId, taskId, ...) that travel with the error. */
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(`[${code}] ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options?.data ?? {};
    this.name = new.target.name;
  }

  /** The message without the `[CODE] ` prefix. */
  get detail(): string {
    const prefix = `[${this.code}] `;
    return this.message.startsWith(prefix) ? this.message.slice(prefix.length) : this.message;
  }

  toJson(): ErrorJson {
    const json: ErrorJson = { code: this.code, name: this.name, message: this.detail, data: this.data };
    if (this.cause !== undefined) json.cause = errorToJson(this.cause);
    return json;
  }
}

/** Serialise any thrown value for a process boundary. */
export function errorToJson(err: unknown): ErrorJson {
  if (err instanceof ParslCwlError) return err.toJson();
  if (err instanceof Error) return { code: ErrorCode.Internal, name: err.name, message: err.message, data: { stack: err.stack } };
  return { code: ErrorCode.Internal, name: 'Error', message: String(err) };
}

type ErrorFactory = (json: ErrorJson) => ParslCwlError;
const remoteFactories = new Map<string, ErrorFactory>();

/**
 * Layers register how to rebuild their error classes from JSON, so a failure on an HTEX worker
 * becomes the same class on the submitting side.
 */
export function registerRemoteError(code: ErrorCode, factory: ErrorFactory): void {
  remoteFactories.set(code, factory);
}

/** Rebuild an error that crossed a process boundary. Unknown codes become a plain ParslCwlError. */
export function errorFromJson(json: ErrorJson): ParslCwlError {
  const factory = remoteFactories.get(json.code);
  const cause = json.cause ? errorFromJson(json.cause) : undefined;
  if (factory) {
    const err = factory(json);
    if (cause && err.cause === undefined) Object.defineProperty(err, 'cause', { value: cause, enumerable: false });
    return err;
  }
  const known = (Object.values(ErrorCode) as string[]).includes(json.code) ? (json.code as ErrorCode) : ErrorCode.Internal;
  return new ParslCwlError(known, json.message, { cause, data: json.data });
}
