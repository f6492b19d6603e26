/**
 * Input-side File semantics the command line and expressions rely on, applied to the job's input
 * object before staging:
 *  - `loadContents` (Process.yml, LoadContents; CWL v1.2 changelog): the file's text goes into
 *    `contents`; a file over 64 KiB is an error, not silently truncated;
 *  - `secondaryFiles` on inputs (SecondaryFileSchema): patterns and expressions are applied to each
 *    File (in records and arrays too); found files are added beside the primary, files the job
 *    already lists are kept (and win over a pattern naming the same file); a required one that does
 *    not exist is InputFileMissingError.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CwlDirectory, CwlFile, CwlType, InputParameter, SecondaryFileSchema } from '../model.js';
import { isFile } from '../model.js';
import { InputFileMissingError, InputInvalidError } from '../errors.js';
import type { ExpressionEvaluator } from '../expressions/index.js';
import { secondaryFileCandidates } from '../expressions/index.js';
import { matchingType, shortName } from './typeMatch.js';

/** CWL's loadContents limit (64 KiB). */
export const LOAD_CONTENTS_LIMIT = 64 * 1024;

/** The local path of a File/Directory value: `path`, else a file:// `location`. */
export function localPath(obj: CwlFile | CwlDirectory): string | undefined {
  if (obj.path) return obj.path;
  if (obj.location?.startsWith('file://')) return fileURLToPath(obj.location);
  if (obj.location && path.isAbsolute(obj.location)) return obj.location;
  return undefined;
}

/**
 * Read a file's text for `loadContents`. Throws `tooBig(size)` when the file is over 64 KiB.
 * Only the first 64 KiB + 1 byte is ever read.
 */
export async function readContents(file: string, tooBig: (size: number) => Error): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(LOAD_CONTENTS_LIMIT + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > LOAD_CONTENTS_LIMIT) throw tooBig((await fh.stat()).size);
    return buf.subarray(0, length).toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Fill `contents` of File inputs whose parameter says `loadContents: true` (also the v1.0 place,
 * `inputBinding.loadContents`). Returns a new input object; `inputs` is not changed.
 */
export async function loadInputContents(params: readonly InputParameter[], inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...inputs };
  for (const p of params) {
    if (!(p.loadContents || p.inputBinding?.loadContents)) continue;
    const name = shortName(p.id);
    out[name] = await mapFiles(out[name], async (f) => {
      if (f.contents !== undefined) return f;
      const file = localPath(f);
      if (!file) throw new InputInvalidError(name, `loadContents needs a local file, got location ${f.location ?? '(none)'}`);
      const contents = await readContents(file, (size) => new InputInvalidError(name, `loadContents: ${file} is ${size} bytes, over the 64 KiB limit; read the file in the tool instead`));
      return { ...f, contents };
    });
  }
  return out;
}

async function mapFiles(value: unknown, fn: (f: CwlFile) => Promise<CwlFile>): Promise<unknown> {
  if (isFile(value)) return fn(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => mapFiles(v, fn)));
  return value;
}

/**
 * Add the secondary files the input schema asks for to every File input (see module comment).
 * Returns a new input object.
 */
export async function resolveInputSecondaryFiles(
  params: readonly InputParameter[],
  inputs: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
  runtime: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...inputs };
  for (const p of params) {
    const name = shortName(p.id);
    out[name] = await withSecondaries(p.type, p.secondaryFiles, out[name], name, out, runtime, evaluator);
  }
  return out;
}

async function withSecondaries(
  type: CwlType,
  schemas: readonly SecondaryFileSchema[] | undefined,
  value: unknown,
  inputName: string,
  inputs: Record<string, unknown>,
  runtime: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
): Promise<unknown> {
  if (value === null || value === undefined) return value;
  if (isFile(value)) return schemas?.length ? addSecondaries(value, schemas, inputName, inputs, runtime, evaluator) : value;
  const t = matchingType(type, value);
  if (t === undefined || typeof t === 'string') return value;
  if (t.type === 'array' && Array.isArray(value)) {
    // A parameter's secondaryFiles apply to each File of a File array.
    return Promise.all(value.map((v) => withSecondaries(t.items, schemas, v, inputName, inputs, runtime, evaluator)));
  }
  if (t.type === 'record') {
    const rec = { ...(value as Record<string, unknown>) };
    for (const f of t.fields) {
      const fname = shortName(f.name);
      rec[fname] = await withSecondaries(f.type, f.secondaryFiles, rec[fname], `${inputName}.${fname}`, inputs, runtime, evaluator);
    }
    return rec;
  }
  return value;
}

async function addSecondaries(
  primary: CwlFile,
  schemas: readonly SecondaryFileSchema[],
  inputName: string,
  inputs: Record<string, unknown>,
  runtime: Record<string, unknown>,
  evaluator: ExpressionEvaluator,
): Promise<CwlFile> {
  const existing = [...(primary.secondaryFiles ?? [])];
  const primaryPath = localPath(primary);
  const dir = primaryPath ? path.dirname(primaryPath) : undefined;
  const candidates = secondaryFileCandidates(schemas, primary, evaluator, { inputs, runtime }, true, `inputs.${inputName}.secondaryFiles`);
  for (const c of candidates) {
    if (typeof c.value !== 'string') {
      const obj = c.value;
      const same = existing.findIndex((e) => e.location !== undefined && e.location === obj.location);
      // An expression's object with the location of a given secondary file takes precedence.
      if (same >= 0) existing[same] = obj;
      else existing.push(obj);
      continue;
    }
    const basename = c.value;
    if (existing.some((e) => (e.basename ?? basenameOf(e)) === basename)) continue;
    if (primary.contents !== undefined && !primaryPath) continue;
    const file = dir ? path.resolve(dir, basename) : undefined;
    const st = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !st) {
      if (c.required) throw new InputFileMissingError(inputName, `${file ?? basename} (secondary file '${c.pattern}' of ${primary.location ?? primary.basename})`);
      continue;
    }
    const location = pathToFileURL(file).href;
    existing.push(st.isDirectory() ? { class: 'Directory', location, path: file, basename: path.basename(file) } : { class: 'File', location, path: file, basename: path.basename(file), size: st.size });
  }
  return existing.length ? { ...primary, secondaryFiles: existing } : primary;
}

function basenameOf(obj: CwlFile | CwlDirectory): string | undefined {
  const p = localPath(obj) ?? obj.location;
  return p ? path.basename(p) : undefined;
}


