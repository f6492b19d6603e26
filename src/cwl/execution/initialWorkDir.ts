/**
 * InitialWorkDirRequirement: files and directories created or staged in the designated output
 * directory before the tool runs (CommandLineTool.yml §InitialWorkDirRequirement, §Dirent).
 */
import { stringifyJson } from '../../util/index.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DocumentInvalidError, StagingError } from '../errors.js';
import { isDirectory, isFile, type CwlDirectory, type CwlFile, type Requirement } from '../model.js';
import { interpolationText } from '../expressions/interpolationText.js';
import { isExpression, type EvalContext, type Evaluate } from './evaluation.js';
import { literalName, placeEntry, sourcePath, type PlaceMode } from './placement.js';

export interface InitialWorkDirOptions {
  outdir: string;
  evaluate: Evaluate;
  context: EvalContext;
  /** InplaceUpdateRequirement.inplaceUpdate: writable entries may be changed in place (linked, not copied). */
  inplaceUpdate: boolean;
  jobName: string;
  /**
   * Set when the tool runs in a container: an absolute entryname outside the output directory is
   * staged under `hostRoot` (at hostRoot + entryname) and recorded in `mounts` (host path →
   * container path), to be bound at that path inside the container (§Dirent entryname).
   */
  absoluteEntries?: { hostRoot: string; mounts: Map<string, string> } | undefined;
  /**
   * Filled with the sources of writable entries that are linked, not copied (InplaceUpdateRequirement):
   * a container must bind them read-write, since the tool changes them in place.
   */
  inplaceSources?: Set<string> | undefined;
}

/** What was staged: each source path and the path it now has inside the output directory. */
export type StagedPaths = Map<string, string>;

type Entry = CwlFile | CwlDirectory;

/** Stage the listing into `outdir`; returns source path → staged path for rewriting inputs. */
export async function stageInitialWorkDir(req: Requirement, opts: InitialWorkDirOptions): Promise<StagedPaths> {
  const staged: StagedPaths = new Map();
  let listing: unknown = req.listing;
  if (typeof listing === 'string') listing = opts.evaluate(listing, opts.context, { field: 'InitialWorkDirRequirement.listing' });
  if (listing === null || listing === undefined) return staged;
  if (!Array.isArray(listing)) {
    throw new DocumentInvalidError({ field: 'InitialWorkDirRequirement.listing' }, `the expression must return an array, got ${describe(listing)}`);
  }
  for (let i = 0; i < listing.length; i++) {
    const field = `InitialWorkDirRequirement.listing[${i}]`;
    let item: unknown = listing[i];
    if (typeof item === 'string') item = opts.evaluate(item, opts.context, { field });
    await stageItem(item, field, opts, staged);
  }
  return staged;
}

async function stageItem(item: unknown, field: string, opts: InitialWorkDirOptions, staged: StagedPaths): Promise<void> {
  if (item === null || item === undefined) return;
  if (Array.isArray(item)) {
    for (let j = 0; j < item.length; j++) await stageItem(item[j], `${field}[${j}]`, opts, staged);
    return;
  }
  if (isFile(item) || isDirectory(item)) {
    await stageObject(item, undefined, false, field, opts, staged);
    return;
  }
  if (typeof item === 'object' && 'entry' in item) {
    await stageDirent(item as Record<string, unknown>, field, opts, staged);
    return;
  }
  throw new DocumentInvalidError({ field }, `expected a File, Directory, Dirent or null, got ${describe(item)}`);
}

// §Dirent: entry is a string (file contents), a File/Directory (or an array of them), or another
// value serialised as JSON; null stages nothing.
async function stageDirent(dirent: Record<string, unknown>, field: string, opts: InitialWorkDirOptions, staged: StagedPaths): Promise<void> {
  const rawEntry = dirent.entry;
  const entry = isExpression(rawEntry) ? evaluateEntry(rawEntry, `${field}.entry`, opts) : rawEntry;
  const rawName = dirent.entryname;
  const entryname =
    rawName === undefined || rawName === null ? undefined : String(isExpression(rawName) ? opts.evaluate(rawName, opts.context, { field: `${field}.entryname` }) : rawName);
  const writable = dirent.writable === true;
  if (entry === null || entry === undefined) return;
  if (isFile(entry) || isDirectory(entry)) {
    await stageObject(entry, entryname, writable, field, opts, staged);
    return;
  }
  if (Array.isArray(entry) && entry.length > 0 && entry.every((e) => isFile(e) || isDirectory(e))) {
    // An entryname is meaningless for several objects; each keeps its basename.
    for (const e of entry as Entry[]) await stageObject(e, undefined, writable, field, opts, staged);
    return;
  }
  if (entryname === undefined) {
    throw new DocumentInvalidError({ field: `${field}.entryname` }, 'entryname is required when entry is file contents');
  }
  // Serialised like string interpolation of a parameter reference (§Dirent entry).
  const text = interpolationText(entry);
  const target = targetPath(entryname, field, opts).host;
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text);
}

async function stageObject(
  obj: Entry,
  entryname: string | undefined,
  writable: boolean,
  field: string,
  opts: InitialWorkDirOptions,
  staged: StagedPaths,
): Promise<void> {
  const name = entryname ?? obj.basename ?? path.basename(sourcePath(obj) ?? literalName(obj));
  const { host: target, container } = targetPath(name, field, opts);
  // §Dirent writable: writable entries are copies unless InplaceUpdateRequirement allows changing them.
  const mode: PlaceMode = writable && !opts.inplaceUpdate ? 'copy' : 'link';
  // Writable Directory literals are created as real folders either way (placeEntry mkdirs them).
  try {
    await placeEntry(obj, target, mode);
  } catch (err) {
    throw new StagingError(opts.jobName, `${field}: could not stage ${sourcePath(obj) ?? name} as ${name}: ${(err as Error).message}`, { cause: err });
  }
  const src = sourcePath(obj);
  if (src !== undefined) staged.set(src, container ?? target);
  if (src !== undefined && writable && mode === 'link') opts.inplaceSources?.add(src);
}

/**
 * §Dirent entryname: a relative path inside the output directory. `../` escapes are errors;
 * absolute paths are allowed only in a container (staged on the host under
 * `absoluteEntries.hostRoot` and bound at that path), except an absolute path that is itself inside
 * the output directory.
 */
function targetPath(entryname: string, field: string, opts: InitialWorkDirOptions): { host: string; container?: string } {
  const outdir = opts.outdir;
  const target = path.resolve(outdir, entryname);
  if (target !== outdir && target.startsWith(outdir + path.sep)) return { host: target };
  const abs = opts.absoluteEntries;
  if (path.isAbsolute(entryname) && abs !== undefined && path.normalize(entryname) !== '/') {
    const container = path.normalize(entryname);
    const host = path.join(abs.hostRoot, container);
    abs.mounts.set(host, container);
    return { host, container };
  }
  const why = path.isAbsolute(entryname)
    ? 'an absolute entryname is only allowed when the tool runs in a container (DockerRequirement); use a relative name'
    : 'it points outside the output directory; use a name without ../';
  throw new DocumentInvalidError({ field: `${field}.entryname` }, `'${entryname}': ${why}`);
}

/**
 * §Dirent entry (v1.2): an entry that is exactly one expression keeps the expression's type (a File
 * is staged, an object dumped as JSON); with any text around it, including a trailing newline from
 * YAML `|`, it is string interpolation and the text is kept verbatim (iwd-passthrough1 vs 2).
 */
function evaluateEntry(raw: string, field: string, opts: InitialWorkDirOptions): unknown {
  if (raw.trim() === raw) return opts.evaluate(raw, opts.context, { field });
  // The evaluator treats a lone expression surrounded by whitespace as a typed value; a NUL sentinel
  // makes it interpolate, and is removed afterwards (a NUL cannot occur in YAML/JSON text).
  const text = opts.evaluate(`${raw}\u0000`, opts.context, { field, preserveWhitespace: true });
  return typeof text === 'string' && text.endsWith('\u0000') ? text.slice(0, -1) : text;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${stringifyJson(v)}`;
}
