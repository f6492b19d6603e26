/**
 * The input object a process runs with: unknown names rejected, defaults applied, File/Directory
 * values normalised and checked, listings loaded, and the whole object validated against a JSON
 * Schema of the input types (ajv) before anything runs. CWL v1.2 "Input object" and "default".
 */
import { stringifyJson } from '../../util/index.js';
import type { InputParameter, LoadListing, Process, Requirement } from '../model.js';
import { InputInvalidError, InputUnknownError } from '../errors.js';
import { toUri } from '../load/documentRef.js';
import { normaliseFileValues } from './fileValues.js';
import { fillListings } from './directoryListing.js';
import { validateInputObject } from './inputSchema.js';
import { typeText } from './typeText.js';

export interface PrepareInputsOptions {
  /**
   * URI relative `location`/`path` values in `rawInputs` resolve against: the job file's URI (or
   * its folder, ending in `/`). Default: the current folder. Values from `loadJobFile` are already
   * absolute; defaults from the document were made absolute by the loader.
   */
  baseUri?: string;
  /**
   * What to do with names the process does not declare: `error` (default) throws
   * InputUnknownError; `warn` drops them and reports through `warn` (cwltool ignores extra keys in
   * job files, and the conformance suite shares job files between tools).
   */
  unknownInputs?: 'error' | 'warn';
  warn?: (message: string) => void;
  /** Check that File/Directory inputs exist (default true). */
  checkFiles?: boolean;
  /**
   * Requirements that take precedence over the process's own: the effective requirements a
   * workflow step resolved by inheritance, or a job file's `cwl:requirements`.
   */
  requirements?: Requirement[];
}

function findRequirement(cls: string, ...lists: Array<Requirement[] | undefined>): Requirement | undefined {
  for (const list of lists) {
    const hit = list?.find((r) => r.class === cls);
    if (hit) return hit;
  }
  return undefined;
}

/** The listing depth of one input: its own `loadListing`, else LoadListingRequirement, else no_listing. */
function listingDepth(param: InputParameter, process: Process, outer: Requirement[] | undefined): LoadListing {
  if (param.loadListing) return param.loadListing;
  const req = findRequirement('LoadListingRequirement', outer, process.requirements, process.hints);
  const v = req?.loadListing;
  return v === 'shallow_listing' || v === 'deep_listing' || v === 'no_listing' ? v : 'no_listing';
}

/** A short JSON rendering of a value for messages. */
function preview(v: unknown): string {
  const s = stringifyJson(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(value: unknown, pointer: string): unknown {
  let cur = value;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/**
 * Build the input object for `process` from `rawInputs` (job file and/or command line).
 * @throws InputUnknownError, InputInvalidError, InputFileMissingError
 */
export async function prepareInputs(process: Process, rawInputs: Record<string, unknown>, options: PrepareInputsOptions = {}): Promise<Record<string, unknown>> {
  const baseUri = options.baseUri ?? toUri(`${globalThis.process.cwd()}/`);
  const declared = new Map(process.inputs.map((p) => [p.id, p]));
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(rawInputs)) {
    if (declared.has(name)) continue;
    if ((options.unknownInputs ?? 'error') === 'error') throw new InputUnknownError(name, [...declared.keys()]);
    options.warn?.(`ignoring input '${name}': the process does not declare it (it declares: ${[...declared.keys()].join(', ') || 'no inputs'})`);
  }
  for (const param of process.inputs) {
    let value = rawInputs[param.id];
    // CWL v1.2 "default": used when the input is missing or null.
    if ((value === undefined || value === null) && param.default !== undefined) value = structuredClone(param.default);
    if (value === undefined) continue;
    value = await normaliseFileValues(value, { baseUri, inputName: param.id, checkExists: options.checkFiles ?? true });
    await fillListings(value, listingDepth(param, process, options.requirements));
    out[param.id] = value;
  }
  const failure = await validateInputObject(process.inputs, out);
  if (failure) {
    const param = declared.get(failure.input);
    const type = param ? typeText(param.type) : 'unknown';
    if (failure.missing) throw new InputInvalidError(failure.input, `missing; it is required (type ${type}) and has no default`);
    const at = failure.pointer ? ` at ${failure.pointer}` : '';
    const bad = valueAt(out[failure.input], failure.pointer);
    if (bad === null && !failure.pointer) throw new InputInvalidError(failure.input, `null given, but the input is required (type ${type}) and has no default`);
    // A bare path where a File/Directory is expected is the common slip: show the form to use.
    const kind = /\bFile\b/.test(type) ? 'File' : /\bDirectory\b/.test(type) ? 'Directory' : undefined;
    const fileHint = typeof bad === 'string' && kind ? `; write a ${kind} as {class: ${kind}, path: ${bad}}` : '';
    throw new InputInvalidError(failure.input, `${preview(bad)}${at} does not match type ${type} (${failure.message})${fileHint}`);
  }
  return out;
}
