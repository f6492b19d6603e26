/**
 * `cwlVersion` handling: which versions load, syntax that an older document may not use, and the
 * v1.0/v1.1 → v1.2 semantic upgrade (Workflow.yml "Changelog"; the v1.1 changelog it links to).
 * All functions work on one raw process object (after `$import`, before cwl-ts-auto validation).
 */
import type { CwlVersion } from '../model.js';
import { DocumentInvalidError, UnsupportedVersionError } from '../errors.js';

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Map a declared `cwlVersion` to the release it belongs to (`v1.1.0-dev1` is v1.1). */
export function parseCwlVersion(declared: unknown, file: string): CwlVersion {
  if (declared === undefined || declared === null) {
    throw new DocumentInvalidError({ file, field: 'cwlVersion' }, "missing 'cwlVersion'; add e.g. 'cwlVersion: v1.2' at the top of the document");
  }
  const text = String(declared);
  const m = /^v1\.([0-2])(?:\.0)?(?:-dev\d+)?$/.exec(text);
  if (!m) throw new UnsupportedVersionError(file, text);
  return `v1.${m[1]}` as CwlVersion;
}

const ORDER: Record<CwlVersion, number> = { 'v1.0': 0, 'v1.1': 1, 'v1.2': 2 };

/** A v1.1/v1.2 feature an older document uses. */
interface Violation {
  field: string;
  what: string;
  since: CwlVersion;
}

/** Requirement classes that do not exist before a version (CommandLineTool.yml, v1.1 changelog). */
const REQUIREMENT_SINCE: Record<string, CwlVersion> = {
  LoadListingRequirement: 'v1.1',
  NetworkAccess: 'v1.1',
  WorkReuse: 'v1.1',
  ToolTimeLimit: 'v1.1',
  InplaceUpdateRequirement: 'v1.1',
};

const RESOURCE_FIELDS = ['coresMin', 'coresMax', 'ramMin', 'ramMax', 'tmpdirMin', 'tmpdirMax', 'outdirMin', 'outdirMax'];

/** Iterate the entries of a list-or-map field (`inputs`, `steps`, `requirements`, ...). */
function entries(v: unknown): Array<[string, unknown]> {
  if (Array.isArray(v)) return v.map((e, i) => [isObject(e) && typeof e.id === 'string' ? e.id : String(i), e]);
  if (isObject(v)) return Object.entries(v);
  return [];
}

function requirementClass(key: string, value: unknown): string | undefined {
  if (isObject(value) && typeof value.class === 'string') return value.class;
  return /^\d+$/.test(key) ? undefined : key;
}

function checkParameters(field: string, params: unknown, out: Violation[]): void {
  for (const [name, p] of entries(params)) {
    if (!isObject(p)) continue;
    const sf = p.secondaryFiles;
    const list = Array.isArray(sf) ? sf : sf === undefined ? [] : [sf];
    if (list.some(isObject)) out.push({ field: `${field}.${name}.secondaryFiles`, what: 'secondaryFiles given as {pattern, required} records', since: 'v1.1' });
    if ('loadListing' in p) out.push({ field: `${field}.${name}.loadListing`, what: "the 'loadListing' field", since: 'v1.1' });
    if ('pickValue' in p) out.push({ field: `${field}.${name}.pickValue`, what: "the 'pickValue' field", since: 'v1.2' });
  }
}

function checkRequirements(field: string, reqs: unknown, out: Violation[]): void {
  for (const [key, r] of entries(reqs)) {
    const cls = requirementClass(key, r);
    if (!cls) continue;
    const since = REQUIREMENT_SINCE[cls];
    if (since) out.push({ field: `${field}.${cls}`, what: cls, since });
    if (cls === 'ResourceRequirement' && isObject(r)) {
      for (const f of RESOURCE_FIELDS) {
        const v = r[f];
        // v1.2 changelog: fractional cores and float sizes are new.
        if (typeof v === 'number' && !Number.isInteger(v)) out.push({ field: `${field}.ResourceRequirement.${f}`, what: `a fractional ${f} (${v})`, since: 'v1.2' });
      }
    }
  }
}

/** Reject syntax newer than the document's version (conformance tests invalid_syntax_v1*_uses_v12_*). */
export function checkVersionSyntax(proc: Raw, version: CwlVersion, file: string): void {
  if (version === 'v1.2') return;
  const found: Violation[] = [];
  if (proc.class === 'Operation') found.push({ field: 'class', what: 'class Operation', since: 'v1.2' });
  if ('intent' in proc) found.push({ field: 'intent', what: "the 'intent' field", since: 'v1.2' });
  checkParameters('inputs', proc.inputs, found);
  checkParameters('outputs', proc.outputs, found);
  checkRequirements('requirements', proc.requirements, found);
  for (const [stepName, step] of entries(proc.steps)) {
    if (!isObject(step)) continue;
    if ('when' in step) found.push({ field: `steps.${stepName}.when`, what: "conditional steps ('when')", since: 'v1.2' });
    checkParameters(`steps.${stepName}.in`, step.in, found);
    checkRequirements(`steps.${stepName}.requirements`, step.requirements, found);
  }
  const bad = found.find((v) => ORDER[v.since] > ORDER[version]);
  if (bad) {
    throw new DocumentInvalidError(
      { file, field: bad.field },
      `${bad.what} needs cwlVersion ${bad.since}, but the document declares ${version}; change 'cwlVersion' or remove the field`,
    );
  }
}

function hasClass(reqs: unknown, cls: string): boolean {
  return entries(reqs).some(([key, r]) => requirementClass(key, r) === cls);
}

function addHint(proc: Raw, hint: Raw): void {
  const hints = proc.hints;
  if (Array.isArray(hints)) proc.hints = [...hints, hint];
  else if (isObject(hints)) proc.hints = { ...hints, [String(hint.class)]: Object.fromEntries(Object.entries(hint).filter(([k]) => k !== 'class')) };
  else proc.hints = [hint];
}

/**
 * v1.0 documents used extension classes for features v1.1 standardised; they mean the standard
 * class (CommandLineTool v1.1 changelog: WorkReuse, ToolTimeLimit, NetworkAccess,
 * InplaceUpdateRequirement, LoadListingRequirement).
 */
const V10_EXTENSION_CLASSES: Record<string, string> = {
  'http://commonwl.org/cwltool#WorkReuse': 'WorkReuse',
  'http://arvados.org/cwl#ReuseRequirement': 'WorkReuse',
  'http://commonwl.org/cwltool#TimeLimit': 'ToolTimeLimit',
  'http://commonwl.org/cwltool#NetworkAccess': 'NetworkAccess',
  'http://commonwl.org/cwltool#InplaceUpdateRequirement': 'InplaceUpdateRequirement',
  'http://commonwl.org/cwltool#LoadListingRequirement': 'LoadListingRequirement',
};

function expandClass(cls: string, namespaces: Record<string, string>): string {
  const colon = cls.indexOf(':');
  const ns = colon > 0 ? namespaces[cls.slice(0, colon)] : undefined;
  return ns ? ns + cls.slice(colon + 1) : cls;
}

/** Rename extension classes in a requirements/hints list or map to their standard names. */
function standardiseClasses(reqs: unknown, namespaces: Record<string, string>): unknown {
  const rename = (cls: string): string => V10_EXTENSION_CLASSES[expandClass(cls, namespaces)] ?? cls;
  if (Array.isArray(reqs)) return reqs.map((r) => (isObject(r) && typeof r.class === 'string' ? { ...r, class: rename(r.class) } : r));
  if (isObject(reqs)) return Object.fromEntries(Object.entries(reqs).map(([k, v]) => [rename(k), v]));
  return reqs;
}

/**
 * v1.0 `inputBinding` on parameters: its `loadContents` moves to the parameter (v1.1 changelog).
 * Workflow and ExpressionTool inputs can only bind `loadContents` in v1.1+, so their other binding
 * fields (meaningless there) are dropped.
 */
function liftLoadContents(params: unknown, keepBinding: boolean): void {
  for (const [, p] of entries(params)) {
    if (!isObject(p) || !isObject(p.inputBinding)) continue;
    const { loadContents, ...binding } = p.inputBinding;
    if (loadContents !== undefined && !('loadContents' in p)) p.loadContents = loadContents;
    if (keepBinding) p.inputBinding = binding;
    else delete p.inputBinding;
  }
}

/**
 * Give a v1.0 document its v1.0 meaning under v1.2 rules (mutates `proc`):
 * - v1.0 listed Directory inputs deeply: add a `LoadListingRequirement: deep_listing` hint;
 * - v1.0 tools had network access: add a `NetworkAccess: true` hint (on workflows too, so their
 *   steps inherit it as v1.0 had it);
 * - cwltool/Arvados extension classes become the standard v1.1 classes;
 * - `inputBinding.loadContents` moves to the parameter.
 * Hints are added only where the document does not name the class itself. v1.1 → v1.2 changes no
 * syntax; behaviour that differs at run time (e.g. how `Dirent.entry` results are serialised) is
 * decided by the runner from `originalCwlVersion`.
 */
export function upgradeToV12(proc: Raw, version: CwlVersion, namespaces: Record<string, string> = {}): void {
  if (version !== 'v1.0') return;
  proc.requirements = standardiseClasses(proc.requirements, namespaces);
  proc.hints = standardiseClasses(proc.hints, namespaces);
  if (proc.requirements === undefined) delete proc.requirements;
  if (proc.hints === undefined) delete proc.hints;
  for (const [, step] of entries(proc.steps)) {
    if (!isObject(step)) continue;
    if (step.requirements !== undefined) step.requirements = standardiseClasses(step.requirements, namespaces);
    if (step.hints !== undefined) step.hints = standardiseClasses(step.hints, namespaces);
  }
  if (!hasClass(proc.requirements, 'LoadListingRequirement') && !hasClass(proc.hints, 'LoadListingRequirement')) {
    addHint(proc, { class: 'LoadListingRequirement', loadListing: 'deep_listing' });
  }
  if (!hasClass(proc.requirements, 'NetworkAccess') && !hasClass(proc.hints, 'NetworkAccess')) {
    addHint(proc, { class: 'NetworkAccess', networkAccess: true });
  }
  liftLoadContents(proc.inputs, proc.class === 'CommandLineTool');
}
