/**
 * One process from cwl-ts-auto's canonical JSON (absolute ids) to the model.ts shape; the header of
 * model.ts lists what this guarantees. Step `run` references are returned for the loader to resolve.
 */
import type {
  CommandLineTool,
  CwlVersion,
  ExpressionTool,
  InputParameter,
  Operation,
  OutputParameter,
  Process,
  Requirement,
  SecondaryFileSchema,
  Workflow,
  WorkflowStep,
  WorkflowStepInput,
} from '../model.js';
import { DocumentInvalidError } from '../errors.js';
import { folderUri } from './documentRef.js';
import { collectNamedTypes, lastSegment, normaliseType, type TypeContext } from './normaliseTypes.js';
import { absolutiseFileLocations } from './fileLocations.js';

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface NormaliseContext {
  /** File the process came from (for messages). */
  file: string;
  /** URI of the document (relative references in it resolve against this). */
  docUri: string;
  originalCwlVersion: CwlVersion;
  namespaces?: Record<string, string>;
  schemas?: string[];
  /** Named types inherited from enclosing workflows. */
  inheritedTypes?: Map<string, Raw>;
}

/** A step whose `run` still has to be loaded: its reference (absolute URI). */
export interface PendingRun {
  step: WorkflowStep;
  runUri: string;
}

export interface NormalisedProcess {
  process: Process;
  pendingRuns: PendingRun[];
  /** Named types of this process (and inherited), for steps' processes. */
  namedTypes: Map<string, Raw>;
}

/** CWL v1.2 "SecondaryFileSchema": the DSL is already expanded; keep `{pattern, required?}`. */
function normaliseSecondaryFiles(v: unknown): SecondaryFileSchema[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  return list.map((e) => {
    if (typeof e === 'string') return e.endsWith('?') ? { pattern: e.slice(0, -1), required: false } : { pattern: e };
    const o = e as Raw;
    const out: SecondaryFileSchema = { pattern: String(o.pattern) };
    if (typeof o.required === 'boolean' || typeof o.required === 'string') out.required = o.required;
    return out;
  });
}

/** Prefix that ids inside a process start with: `P#` for a whole file, `P/` for a fragment. */
function idPrefix(processId: string): string {
  return processId.includes('#') ? `${processId}/` : `${processId}#`;
}

function shortId(uri: string, prefix: string): string {
  return uri.startsWith(prefix) ? uri.slice(prefix.length) : lastSegment(uri);
}

/**
 * Resolve a `source`/`outputSource` to a short `input` or `step/output` name. cwl-ts-auto joins the
 * reference to the referring field's scope without searching outer scopes (Schema Salad "scoped
 * references" do), so drop leading segments until a known name remains.
 */
function resolveScoped(uri: string, prefix: string, known: Set<string>): string {
  const rel = uri.startsWith(prefix) ? uri.slice(prefix.length) : uri.includes('#') ? uri.slice(uri.indexOf('#') + 1) : uri;
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    const candidate = parts.slice(i).join('/');
    if (known.has(candidate)) return candidate;
  }
  return rel;
}

const PARAM_KEYS = ['label', 'doc', 'format', 'streamable', 'loadContents', 'loadListing', 'inputBinding', 'outputBinding', 'linkMerge', 'pickValue'] as const;

function copyKeys(from: Raw, to: Raw, keys: readonly string[]): void {
  for (const k of keys) if (from[k] !== undefined && from[k] !== null) to[k] = from[k];
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function normaliseProcess(saved: Raw, ctx: NormaliseContext): NormalisedProcess {
  const id = String(saved.id ?? ctx.docUri);
  const prefix = idPrefix(id);
  const cls = saved.class as Process['class'];
  const requirements = asList(saved.requirements) as Requirement[];
  const hints = asList(saved.hints).filter(isObject) as Requirement[];

  const named = new Map<string, Raw>(ctx.inheritedTypes ?? []);
  collectNamedTypes(requirements, named);
  collectNamedTypes(hints, named);
  const typeCtx = (field: string): TypeContext => ({ file: ctx.file, field, named, secondaryFiles: normaliseSecondaryFiles });

  const param = (raw: unknown, kind: 'inputs' | 'outputs'): Raw => {
    if (!isObject(raw) || typeof raw.id !== 'string') throw new DocumentInvalidError({ file: ctx.file, field: kind }, 'every parameter needs an id');
    const pid = shortId(raw.id, prefix);
    const out: Raw = { id: pid, type: normaliseType(raw.type ?? 'Any', typeCtx(`${kind}.${pid}.type`)) };
    copyKeys(raw, out, PARAM_KEYS);
    const sf = normaliseSecondaryFiles(raw.secondaryFiles);
    if (sf) out.secondaryFiles = sf;
    if (kind === 'inputs' && raw.default !== undefined) out.default = absolutiseFileLocations(raw.default, ctx.docUri);
    return out;
  };

  const inputs = asList(saved.inputs).map((p) => param(p, 'inputs')) as unknown as InputParameter[];
  const outputs = asList(saved.outputs).map((p) => param(p, 'outputs')) as unknown as OutputParameter[];

  const base = {
    id,
    cwlVersion: 'v1.2' as const,
    originalCwlVersion: ctx.originalCwlVersion,
    baseUri: folderUri(ctx.docUri),
    inputs,
    outputs,
  };
  const common: Raw = {};
  copyKeys(saved, common, ['label', 'doc', 'intent']);
  if (requirements.length) common.requirements = requirements.map((r) => normaliseRequirement(r, ctx, typeCtx));
  if (hints.length) common.hints = hints.map((r) => normaliseRequirement(r, ctx, typeCtx));
  if (ctx.namespaces && Object.keys(ctx.namespaces).length) common.namespaces = ctx.namespaces;
  if (ctx.schemas?.length) common.schemas = ctx.schemas;

  const pendingRuns: PendingRun[] = [];
  let process: Process;
  switch (cls) {
    case 'CommandLineTool': {
      const tool: Raw = { class: 'CommandLineTool', ...base, ...common };
      if (saved.baseCommand !== undefined && saved.baseCommand !== null) tool.baseCommand = asList(saved.baseCommand).map(String);
      copyKeys(saved, tool, ['arguments', 'stdin', 'stdout', 'stderr', 'successCodes', 'temporaryFailCodes', 'permanentFailCodes']);
      process = tool as unknown as CommandLineTool;
      break;
    }
    case 'ExpressionTool':
      process = { class: 'ExpressionTool', ...base, ...common, expression: String(saved.expression) } as ExpressionTool;
      break;
    case 'Operation':
      process = { class: 'Operation', ...base, ...common } as Operation;
      break;
    case 'Workflow': {
      const rawSteps = asList(saved.steps).filter(isObject);
      const stepIds = rawSteps.map((s) => shortId(String(s.id), prefix));
      const known = new Set<string>(inputs.map((i) => i.id));
      rawSteps.forEach((s, i) => {
        for (const o of asList(s.out)) known.add(`${stepIds[i]}/${lastSegment(typeof o === 'string' ? o : String((o as Raw).id))}`);
      });
      const steps = rawSteps.map((s, i) => normaliseStep(s, stepIds[i] ?? String(i), known, prefix, ctx, typeCtx, pendingRuns));
      asList(saved.outputs).forEach((raw, i) => {
        const src = isObject(raw) ? raw.outputSource : undefined;
        const o = outputs[i];
        if (src === undefined || src === null || !o) return;
        o.outputSource = Array.isArray(src) ? src.map((x) => resolveScoped(String(x), prefix, known)) : resolveScoped(String(src), prefix, known);
      });
      process = { class: 'Workflow', ...base, ...common, steps } as Workflow;
      break;
    }
    default:
      throw new DocumentInvalidError({ file: ctx.file, field: 'class' }, `unknown class '${String(cls)}'`);
  }
  return { process, pendingRuns, namedTypes: named };
}

function normaliseStep(
  s: Raw,
  stepId: string,
  known: Set<string>,
  prefix: string,
  ctx: NormaliseContext,
  typeCtx: (field: string) => TypeContext,
  pendingRuns: PendingRun[],
): WorkflowStep {
  const stepPrefix = `${prefix}${stepId}/`;
  const ins: WorkflowStepInput[] = asList(s.in).filter(isObject).map((i) => {
    const out: Raw = { id: shortId(String(i.id), stepPrefix) };
    if (i.source !== undefined && i.source !== null) {
      out.source = Array.isArray(i.source) ? i.source.map((x) => resolveScoped(String(x), prefix, known)) : resolveScoped(String(i.source), prefix, known);
    }
    copyKeys(i, out, ['linkMerge', 'pickValue', 'valueFrom', 'loadContents', 'loadListing', 'label']);
    if (i.default !== undefined && i.default !== null) out.default = absolutiseFileLocations(i.default, ctx.docUri);
    return out as unknown as WorkflowStepInput;
  });
  const outs = asList(s.out).map((o) => shortId(typeof o === 'string' ? o : String((o as Raw).id), stepPrefix));
  const step: Raw = { id: stepId, in: ins, out: outs };
  copyKeys(s, step, ['label', 'doc', 'when', 'scatterMethod']);
  if (s.scatter !== undefined && s.scatter !== null) step.scatter = asList(s.scatter).map((x) => shortId(String(x), stepPrefix));
  const reqs = asList(s.requirements).filter(isObject) as Requirement[];
  const hints = asList(s.hints).filter(isObject) as Requirement[];
  if (reqs.length) step.requirements = reqs.map((r) => normaliseRequirement(r, ctx, typeCtx));
  if (hints.length) step.hints = hints.map((r) => normaliseRequirement(r, ctx, typeCtx));
  const result = step as unknown as WorkflowStep;
  if (typeof s.run === 'string') pendingRuns.push({ step: result, runUri: new URL(s.run, ctx.docUri).href });
  else throw new DocumentInvalidError({ file: ctx.file, field: `steps.${stepId}.run` }, "'run' must name a process (a file, '#id', or an inline process)");
  return result;
}

/** Requirements keep their fields; types and File/Directory literals inside are normalised. */
function normaliseRequirement(r: Requirement, ctx: NormaliseContext, typeCtx: (field: string) => TypeContext): Requirement {
  switch (r.class) {
    case 'SchemaDefRequirement':
      return { ...r, types: asList(r.types).map((t, i) => normaliseType(t, typeCtx(`requirements.SchemaDefRequirement.types.${i}`))) };
    case 'InitialWorkDirRequirement':
      return { ...r, listing: absolutiseFileLocations(r.listing, ctx.docUri) };
    case 'ToolTimeLimit':
      // CWL v1.2 "ToolTimeLimit": a non-negative number of seconds (0 = no limit); expressions are checked at run time.
      if (typeof r.timelimit === 'number' && r.timelimit < 0) {
        throw new DocumentInvalidError({ file: ctx.file, field: 'requirements.ToolTimeLimit.timelimit' }, `timelimit must be 0 (no limit) or a positive number of seconds, not ${r.timelimit}`);
      }
      return r;
    default:
      return r;
  }
}
