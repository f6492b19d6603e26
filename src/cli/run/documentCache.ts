/**
 * A disk cache of loaded CWL documents (and parsed job files) for the run command, so running the
 * same tool again skips parsing and schema validation (cwl-ts-auto alone costs more than the whole
 * start-up budget of a small tool run, and js-yaml is as much code to compile as the whole job
 * execution layer; see bench/tool-echo.ts).
 *
 * An entry holds the loaded process and the sha1 of every file the loader read for it (the document,
 * `run:` targets, `$import`/`$include` files). It is used only when all of those files still have
 * the same contents and the loader's compiled code is the one that wrote it (a fingerprint of the
 * sizes and modification times of the loader and input modules), so an edit to any document or a
 * rebuild of the loader invalidates it. A job file entry works the same way for its one file. Entries live in `$XDG_CACHE_HOME/parsl-cwl/documents` (default `~/.cache`);
 * `--no-doc-cache` turns the cache off. Cache failures only cost time: a broken entry is a miss and
 * a failed write is ignored.
 */
import { parseJson, stringifyJson, bundledBuildId, sha1Hex } from '../../util/index.js';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Process } from '../../cwl/index.js';

interface Entry<T> {
  fingerprint: string;
  /** [file URI, sha1 of its text] for every file the load read. */
  files: Array<[string, string]>;
  value: T;
}

/** Entries kept at most; a store beyond this removes the least recently written ones. */
const MAX_ENTRIES = 1000;
const PRUNE_TO = 800;

/** Keep the cache folder bounded (stores happen on misses only, which cost far more than this). */
function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const byAge = names.map((n) => ({ n, t: statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, names.length - PRUNE_TO)) rmSync(path.join(dir, n), { force: true });
}

function sha1(text: string): string {
  return sha1Hex(text);
}

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'parsl-cwl', 'documents');
}

let fingerprintMemo: string | undefined;
/**
 * Identifies the loader and input-reading code in use: any rebuild of src/cwl/load, src/cwl/inputs
 * or src/cwl/workflow changes it (in the bundle, any rebuild at all: ~50 stat calls fewer per run).
 */
function loaderFingerprint(): string {
  if (fingerprintMemo !== undefined) return fingerprintMemo;
  const built = bundledBuildId();
  if (built !== undefined) return (fingerprintMemo = `bundle:${built}`);
  const parts: string[] = [];
  // cwl/workflow: the loader runs the workflow checker (staticCheck.ts, graph.ts) on every workflow.
  for (const folder of ['../../cwl/load/', '../../cwl/inputs/', '../../cwl/workflow/']) {
    const dir = fileURLToPath(new URL(folder, import.meta.url));
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.js')) continue;
      const st = statSync(path.join(dir, name));
      parts.push(`${folder}${name}:${st.size}:${st.mtimeMs}`);
    }
  }
  fingerprintMemo = sha1(parts.join('|'));
  return fingerprintMemo;
}

/** The document reference as an absolute URI (with its `#fragment`), the cache key. */
function refUri(ref: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) && !ref.startsWith('file:')) return undefined; // http(s): not cached
  if (ref.startsWith('file:')) return ref;
  const hash = ref.indexOf('#');
  const file = hash >= 0 ? ref.slice(0, hash) : ref;
  return pathToFileURL(path.resolve(file)).href + (hash >= 0 ? ref.slice(hash) : '');
}

/** One entry per kind, document and loader build, so two builds in use at once do not evict each other. */
function entryPath(kind: 'process' | 'job', uri: string): string {
  return path.join(cacheDir(), `${sha1(`${kind}\0${uri}\0${loaderFingerprint()}`)}.json`);
}

/** The cached value, if every file it was read from is unchanged. */
function readEntry<T>(kind: 'process' | 'job', uri: string): T | undefined {
  let entry: Entry<T>;
  try {
    entry = parseJson(readFileSync(entryPath(kind, uri), 'utf8')) as Entry<T>;
  } catch {
    return undefined;
  }
  if (entry.fingerprint !== loaderFingerprint()) return undefined;
  for (const [fileUri, hash] of entry.files) {
    try {
      if (sha1(readFileSync(fileURLToPath(fileUri), 'utf8')) !== hash) return undefined;
    } catch {
      return undefined;
    }
  }
  return entry.value;
}

/** Store `value` with the texts (file URI → text) it was made from, hashed as read. */
function writeEntry<T>(kind: 'process' | 'job', uri: string, value: T, texts: Map<string, string>): void {
  if ([...texts.keys()].some((u) => !u.startsWith('file:'))) return;
  const file = entryPath(kind, uri);
  try {
    const entry: Entry<T> = { fingerprint: loaderFingerprint(), files: [...texts].map(([u, t]) => [u, sha1(t)]), value };
    mkdirSync(path.dirname(file), { recursive: true });
    // Write then rename: a concurrent run never reads half an entry.
    const tmp = `${file}.${process.pid}.tmp`;
    // Exact JSON: a document's defaults may hold BigInts.
    writeFileSync(tmp, stringifyJson(entry));
    renameSync(tmp, file);
    prune(path.dirname(file));
  } catch {
    // A read-only or full cache folder only means the next run reads the file again.
  }
}

/** The cached process for `ref`, if every file it was loaded from is unchanged. */
export function cachedProcess(ref: string): Process | undefined {
  const uri = refUri(ref);
  return uri === undefined ? undefined : readEntry<Process>('process', uri);
}

/**
 * Store a freshly loaded process with the texts the loader read for it (file URI → text), hashed as
 * read: a file changed since then makes the entry a miss, never a stale hit.
 */
export function storeProcess(ref: string, proc: Process, texts: Map<string, string>): void {
  const uri = refUri(ref);
  if (uri !== undefined) writeEntry('process', uri, proc, texts);
}

/** The cached result of `loadJobFile(file)`, if the file is unchanged. */
export function cachedJobFile<T>(file: string): T | undefined {
  const uri = refUri(file);
  return uri === undefined ? undefined : readEntry<T>('job', uri);
}

/** Store a job file's `loadJobFile` result with the text it was read from. */
export function storeJobFile<T>(file: string, job: T, text: string): void {
  const uri = refUri(file);
  if (uri !== undefined && !uri.includes('#')) writeEntry('job', uri, job, new Map([[uri, text]]));
}
