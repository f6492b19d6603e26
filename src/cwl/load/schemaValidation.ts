/**
 * Validation and canonicalisation of one raw process with cwl-ts-auto (the CWL v1.2 schema-salad
 * codegen). It expands map forms to lists, the type DSL (`File?`, `string[]`), the secondaryFiles
 * DSL and ids to absolute URIs; `save()` gives the result back as plain JSON.
 *
 * cwl-ts-auto is required lazily: it is some 180 CommonJS modules, slow to load, and a cached
 * document does not need it.
 */
import { createRequire } from 'node:module';
import { DocumentInvalidError } from '../errors.js';
import { summariseValidation, type ValidationNode } from './validationMessage.js';
import { locateField } from './sourcePosition.js';
import { displayName } from './documentRef.js';

interface Saveable {
  save(top?: boolean, baseUrl?: string, relativeUris?: boolean): Record<string, unknown>;
}
interface RecordLoader {
  load(doc: unknown, baseuri: string, loadingOptions: unknown, docRoot?: string): Promise<Saveable>;
}
interface CwlTsAutoInternal {
  LoaderInstances: Record<string, RecordLoader | undefined>;
  LoadingOptions: new (opts: { fileUri?: string; namespaces?: Record<string, string>; schemas?: string[] }) => unknown;
  ValidationException: new (...args: never[]) => ValidationNode;
}

let internal: CwlTsAutoInternal | undefined;

function cwlTsAuto(): CwlTsAutoInternal {
  if (!internal) {
    const require = createRequire(import.meta.url);
    // The package's index does not export the per-class loaders; its Internal module does.
    internal = require('cwl-ts-auto/dist/util/Internal') as CwlTsAutoInternal;
  }
  return internal;
}

const PROCESS_CLASSES = ['CommandLineTool', 'ExpressionTool', 'Workflow', 'Operation'];

export interface ValidateRequest {
  /** The raw process (will be mutated by cwl-ts-auto: pass a copy). */
  raw: Record<string, unknown>;
  /** URI ids resolve against (the file, or the `$graph` file). */
  docUri: string;
  /** Source text of the file, for line numbers in messages. */
  text?: string;
  /** Path of fields from the file's root to `raw` (e.g. ['$graph', '2']), for line lookup. */
  rootPath?: string[];
  namespaces?: Record<string, string>;
  schemas?: string[];
}

/**
 * Validate one process and return cwl-ts-auto's canonical JSON with absolute ids.
 * The loader is chosen by `class` rather than trying the four process classes in a union: the union
 * path mutates the input while trying branches (its SecondaryDSLLoader deletes `pattern` and
 * `required`, so record-form secondaryFiles on Workflow inputs fail), and its error is a dump of
 * all four branches.
 */
export async function validateProcess(req: ValidateRequest): Promise<Record<string, unknown>> {
  const file = displayName(req.docUri);
  const cls = req.raw.class;
  if (typeof cls !== 'string' || !PROCESS_CLASSES.includes(cls)) {
    const loc = req.text ? locateField(req.text, [...(req.rootPath ?? []), 'class']) : undefined;
    throw new DocumentInvalidError(
      { file, line: loc?.line, field: 'class' },
      cls === undefined ? "missing 'class'; expected one of CommandLineTool, ExpressionTool, Workflow, Operation" : `unknown class '${String(cls)}'; expected one of ${PROCESS_CLASSES.join(', ')}`,
    );
  }
  const lib = cwlTsAuto();
  const loader = lib.LoaderInstances[`${cls}Loader`];
  if (!loader) throw new Error(`cwl-ts-auto has no loader for ${cls}`);
  const options = new lib.LoadingOptions({ fileUri: req.docUri, namespaces: req.namespaces, schemas: req.schemas });
  // cwl-ts-auto may change what it loads; keep a copy to tell a missing field from a wrong one.
  const rawCopy = structuredClone(req.raw);
  escapeEnumSymbols(req.raw);
  let loaded: Saveable;
  try {
    loaded = await loader.load(req.raw, req.docUri, options, req.docUri);
  } catch (err) {
    if (!(err instanceof lib.ValidationException)) throw err;
    const summary = summariseValidation(err);
    // A required field that is not there at all: say so rather than what shape it lacks.
    const last = summary.path[summary.path.length - 1];
    if (last !== undefined && summary.message.startsWith('expected ') && isMissing(rawCopy, summary.path)) summary.message = `missing required field '${last}'`;
    const loc = req.text ? locateField(req.text, [...(req.rootPath ?? []), ...summary.path]) : undefined;
    throw new DocumentInvalidError({ file, line: loc?.line, field: summary.path.join('.') || undefined }, summary.message, { cause: err });
  }
  const saved = loaded.save(true, req.docUri, false);
  await canonicaliseHints(saved, lib, options, req.docUri);
  if (Array.isArray(saved.steps)) {
    for (const step of saved.steps) if (isObject(step)) await canonicaliseHints(step, lib, options, req.docUri);
  }
  return saved;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A symbol written as an absolute URI (`http://...`, `edam:format_1`) or a fragment (`#x`). */
const URI_SYMBOL = /^(#|[A-Za-z][A-Za-z0-9+.-]*:)/;

/**
 * Percent-encode the enum symbols of `node` (in place) so that cwl-ts-auto scopes each one whole:
 * it resolves symbols as URIs, so `taxa#2` would become `<dir>/taxa#2` (short name `2`), `a/b`
 * would lose `a/`, and `OTU table` would come back as `OTU%20table`. normaliseTypes.ts decodes the
 * short name, so inputs, command lines and outputs see each symbol exactly as written. Symbols
 * written as URIs keep Schema Salad's meaning (their last segment).
 */
export function escapeEnumSymbols(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) escapeEnumSymbols(x);
    return;
  }
  if (!isObject(node)) return;
  if (node.type === 'enum' && Array.isArray(node.symbols)) {
    node.symbols = node.symbols.map((s) => (typeof s === 'string' && !URI_SYMBOL.test(s) ? encodeURIComponent(s) : s));
  }
  for (const [k, v] of Object.entries(node)) if (k !== 'default' && k !== 'symbols') escapeEnumSymbols(v);
}

/**
 * True when an object reached by `path` lacks its last field. A path from the validator skips the
 * keys/indexes of list and map forms (`steps.in` for `steps: {s: {...}}`), so each step may also
 * descend into the children of a list or map.
 */
function isMissing(node: unknown, path: string[]): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return false;
  if (isObject(node) && head in node) return rest.length > 0 && isMissing(node[head], rest);
  // A list, or a map whose values are all objects, holds the records the path continues in.
  const values = isObject(node) ? Object.values(node) : [];
  const children = Array.isArray(node) ? node : values.length > 0 && values.every(isObject) ? values : undefined;
  if (children) return children.some((c) => isMissing(c, path));
  return rest.length === 0 && isObject(node);
}

/**
 * cwl-ts-auto keeps `hints` as raw data (they may name classes it does not know). Hints of a known
 * requirement class get the same canonical form as requirements (e.g. EnvVarRequirement's map-form
 * `envDef`), so the runner reads both alike; a known hint that does not validate stays as written
 * (hints are advisory: CWL v1.2 "Requirements and hints").
 */
async function canonicaliseHints(holder: Record<string, unknown>, lib: CwlTsAutoInternal, options: unknown, docUri: string): Promise<void> {
  if (!Array.isArray(holder.hints)) return;
  holder.hints = await Promise.all(
    holder.hints.map(async (hint: unknown) => {
      if (!isObject(hint) || typeof hint.class !== 'string') return hint;
      const loader = lib.LoaderInstances[`${hint.class}Loader`];
      if (!loader || !PROCESS_CLASSES.every((c) => c !== hint.class)) return hint;
      try {
        return (await loader.load(structuredClone(hint), docUri, options, docUri)).save(false, docUri, false);
      } catch (err) {
        if (err instanceof lib.ValidationException) return hint;
        throw err;
      }
    }),
  );
}
