/**
 * File and Directory values of an input object: absolute `location` (file:// URI), `path`,
 * `basename`, `dirname`, `nameroot`, `nameext`, `size`; existence checks; `contents` and `listing`
 * literals kept as literals. CWL v1.2 "File" and "Directory".
 */
import { stat } from 'node:fs/promises';
import { basename as pathBasename, dirname as pathDirname, extname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CwlDirectory, CwlFile } from '../model.js';
import { InputFileMissingError, InputInvalidError } from '../errors.js';
import { hasScheme, resolveUri } from '../load/documentRef.js';

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface FileValueContext {
  /** URI relative `location`s resolve against (a folder URI ends with `/`). */
  baseUri: string;
  /** The input being normalised, for messages. */
  inputName: string;
  /** Check that local files and folders exist (default true). */
  checkExists: boolean;
}

/** `nameroot` + `nameext` = `basename`; `nameext` starts at the last dot that is not the first character. */
function nameParts(basename: string): { nameroot: string; nameext: string } {
  const ext = extname(basename);
  return { nameroot: basename.slice(0, basename.length - ext.length), nameext: ext };
}

/** Resolve a `location` (URI reference) or `path` (filesystem path) to an absolute URI. */
function absoluteLocation(obj: Raw, baseUri: string): string | undefined {
  if (typeof obj.location === 'string' && obj.location !== '') {
    return hasScheme(obj.location) ? obj.location : resolveUri(obj.location, baseUri);
  }
  if (typeof obj.path === 'string' && obj.path !== '') {
    if (hasScheme(obj.path)) return obj.path;
    const base = baseUri.startsWith('file:') ? fileURLToPath(new URL('.', baseUri)) : process.cwd();
    return pathToFileURL(resolvePath(base, obj.path)).href;
  }
  return undefined;
}

/** Normalise every File/Directory inside `value` (records, arrays and Any values included). */
export async function normaliseFileValues(value: unknown, ctx: FileValueContext): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => normaliseFileValues(v, ctx)));
  if (!isObject(value)) return value;
  if (value.class === 'File' || value.class === 'Directory') return normaliseFileObject(value, ctx);
  const out: Raw = {};
  for (const [k, v] of Object.entries(value)) out[k] = await normaliseFileValues(v, ctx);
  return out;
}

async function normaliseFileObject(obj: Raw, ctx: FileValueContext): Promise<CwlFile | CwlDirectory> {
  const isFileClass = obj.class === 'File';
  const out: Raw = { ...obj };
  // `_:` names a literal (a blank node, as cwltool writes literals): nothing to resolve.
  const blank = typeof obj.location === 'string' && obj.location.startsWith('_:');
  const location = blank ? undefined : absoluteLocation(obj, ctx.baseUri);
  if (location === undefined) {
    // Literals: a File with `contents`, a Directory with `listing` (CWL v1.2 "File", "Directory").
    if (isFileClass && typeof obj.contents !== 'string') {
      throw new InputInvalidError(ctx.inputName, "a File needs 'location', 'path' or 'contents'");
    }
    if (!isFileClass && !Array.isArray(obj.listing)) {
      throw new InputInvalidError(ctx.inputName, "a Directory needs 'location', 'path' or 'listing'");
    }
    delete out.path;
  } else {
    out.location = location;
    if (location.startsWith('file:')) {
      const p = fileURLToPath(location);
      out.path = p;
      if (typeof out.basename !== 'string') out.basename = pathBasename(p);
      if (isFileClass) out.dirname = pathDirname(p);
      if (ctx.checkExists) {
        const st = await stat(p).catch(() => undefined);
        if (!st) throw new InputFileMissingError(ctx.inputName, p);
        if (isFileClass && st.isDirectory()) throw new InputInvalidError(ctx.inputName, `${p} is a directory, but a File is expected`);
        if (!isFileClass && !st.isDirectory()) throw new InputInvalidError(ctx.inputName, `${p} is a file, but a Directory is expected`);
        if (isFileClass) out.size = st.size;
      }
    } else {
      delete out.path;
      if (typeof out.basename !== 'string') out.basename = decodeURIComponent(new URL(location).pathname.split('/').pop() ?? '');
    }
  }
  if (isFileClass && typeof out.basename === 'string') Object.assign(out, nameParts(out.basename));
  if (Array.isArray(obj.secondaryFiles)) out.secondaryFiles = await Promise.all(obj.secondaryFiles.map((s) => normaliseFileValues(s, ctx)));
  if (Array.isArray(obj.listing)) out.listing = await Promise.all(obj.listing.map((s) => normaliseFileValues(s, ctx)));
  return out as unknown as CwlFile | CwlDirectory;
}
