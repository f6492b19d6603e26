/**
 * A disk cache of loaded CWL documents for the run command, so running the same tool again skips
 * parsing and schema validation (cwl-ts-auto alone costs more than the whole start-up budget of a
 * small tool run; see bench/tool-echo.ts).
 *
 * An entry holds the loaded process and the sha1 of every file the loader read for it (the document,
 * `run:` targets, `$import`/`$include` files). It is used only when all of those files still have
 * the same contents and the loader's compiled code is the one that wrote it (a fingerprint of the
 * loader modules' sizes and modification times), so an edit to any document or to the loader
 * invalidates it. Entries live in `$XDG_CACHE_HOME/parsl-cwl/documents` (default `~/.cache`);
 * `--no-doc-cache` turns the cache off. Cache failures only cost time: a broken entry is a miss and
 * a failed write is ignored.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Process } from '../../cwl/model.js';

interface Entry {
  fingerprint: string;
  /** [file URI, sha1 of its text] for every file the load read. */
  files: Array<[string, string]>;
  process: Process;
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
  return createHash('sha1').update(text).digest('hex');
}

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'parsl-cwl', 'documents');
}

let fingerprintMemo: string | undefined;
/** Identifies the loader code in use: any rebuild of src/cwl/load (or the model) changes it. */
function loaderFingerprint(): string {
  if (fingerprintMemo !== undefined) return fingerprintMemo;
  const loadDir = fileURLToPath(new URL('../../cwl/load/', import.meta.url));
  const parts: string[] = [];
  for (const name of readdirSync(loadDir).sort()) {
    if (!name.endsWith('.js')) continue;
    const st = statSync(path.join(loadDir, name));
    parts.push(`${name}:${st.size}:${st.mtimeMs}`);
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

/** One entry per document and loader build, so two builds in use at once do not evict each other. */
function entryPath(uri: string): string {
  return path.join(cacheDir(), `${sha1(`${uri}\0${loaderFingerprint()}`)}.json`);
}

/** The cached process for `ref`, if every file it was loaded from is unchanged. */
export function cachedProcess(ref: string): Process | undefined {
  const uri = refUri(ref);
  if (uri === undefined) return undefined;
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(entryPath(uri), 'utf8')) as Entry;
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
  return entry.process;
}

/**
 * Store a freshly loaded process with the texts the loader read for it (file URI → text), hashed as
 * read: a file changed since then makes the entry a miss, never a stale hit.
 */
export function storeProcess(ref: string, proc: Process, texts: Map<string, string>): void {
  const uri = refUri(ref);
  if (uri === undefined || [...texts.keys()].some((u) => !u.startsWith('file:'))) return;
  const file = entryPath(uri);
  try {
    const entry: Entry = { fingerprint: loaderFingerprint(), files: [...texts].map(([u, t]) => [u, sha1(t)]), process: proc };
    mkdirSync(path.dirname(file), { recursive: true });
    // Write then rename: a concurrent run never reads half an entry.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, file);
    prune(path.dirname(file));
  } catch {
    // A read-only or full cache folder only means the next run loads the document again.
  }
}
