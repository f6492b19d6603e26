/**
 * The job cache on disk (docs/cache.md, "Entries"):
 *
 *   <dir>/v1/<key[0..2]>/<key>/entry.json   the output object, paths relative to files/
 *   <dir>/v1/<key[0..2]>/<key>/files/...     the output files, as they were in the job's outdir
 *   <dir>/v1/tmp/                            entries being written
 *
 * An entry is written whole under tmp/ and renamed into place (a rename of a folder is atomic on
 * one filesystem), so a reader sees a complete entry or none: a runner killed midway leaves only a
 * folder under tmp/, which no lookup reads and `parsl-cwl cache prune` removes. When two runs
 * store the same key, the second rename fails and its copy is dropped.
 *
 * Storing hard-links the job's output files into the entry (a copy where a link cannot be made:
 * another filesystem), so a miss copies no data. A link shares its data with the job's file, which
 * a tool run then moves into --outdir, so entry.json records each file's size and mtime: an entry
 * whose file was changed since (an output edited in place) no longer matches, is not trusted, and
 * is removed. A hit serves the entry's files in place (reuseEntry).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseJson, randomHex, stringifyJson } from '../../util/index.js';
import { CacheUnusableError } from '../errors.js';
import type { JobResult } from '../jobSpec.js';
import { CACHE_FORMAT } from './key.js';

const VERSION_DIR = `v${CACHE_FORMAT}`;

/** What entry.json holds. */
interface EntryFile {
  format: number;
  key: string;
  /** The job's name when it was stored (workflow#step[index]); for `parsl-cwl cache list`. */
  name: string;
  created: string;
  exitCode: number;
  /** The output object; File/Directory `path` relative to files/, `location`/`dirname` empty. */
  outputs: Record<string, unknown>;
  /** Every stored file (relative to files/) with its size and mtime when stored; a folder has size -1. */
  files: Array<[string, number, number]>;
}

function entryDir(root: string, key: string): string {
  return path.join(root, VERSION_DIR, key.slice(0, 2), key);
}

/**
 * The stored outputs of `key`, served where they are stored (the entry's files/), or undefined
 * when no trusted entry. Nothing is made per hit: a job folder and a link per file cost a 2,000-way
 * all-hit rerun 2.5-4x its time on this machine (docs/cache.md, "Entries"). The run command
 * copies final outputs into --outdir (src/cwl/relocate.ts copies what is outside the run folder),
 * so what a user gets is never linked to the entry; later steps read intermediate ones in place.
 */
export function reuseEntry(root: string, key: string): JobResult | undefined {
  const dir = entryDir(root, key);
  let entry: EntryFile;
  try {
    entry = parseJson(readFileSync(path.join(dir, 'entry.json'), 'utf8')) as EntryFile;
  } catch {
    // Entries appear whole (a rename), so a folder without a readable entry.json is damaged.
    if (existsSync(dir)) discard(root, dir);
    return undefined;
  }
  if (entry.format !== CACHE_FORMAT || entry.key !== key || !Array.isArray(entry.files) || !matches(dir, entry.files)) {
    discard(root, dir);
    return undefined;
  }
  const files = path.join(dir, 'files');
  return { outputs: relocated(entry.outputs, files) as Record<string, unknown>, exitCode: entry.exitCode, outdir: files, reused: true };
}

/** Each stored file still has the size and mtime it was stored with. */
function matches(dir: string, files: EntryFile['files']): boolean {
  for (const [rel, size, mtimeMs] of files) {
    if (size < 0) continue;
    try {
      const st = statSync(path.join(dir, 'files', rel));
      if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Move an untrusted entry aside (atomic) and delete it; another run may be doing the same. */
function discard(root: string, dir: string): void {
  const trash = path.join(root, VERSION_DIR, 'tmp', `discard-${randomHex(6)}`);
  try {
    mkdirSync(path.dirname(trash), { recursive: true });
    renameSync(dir, trash);
  } catch {
    return;
  }
  rmSync(trash, { recursive: true, force: true });
}

/** Shard folders known to exist in this process: one mkdir per shard, not one per entry. */
const shardsMade = new Set<string>();

/**
 * Store a successful job's outputs under `key`. Returns false (and stores nothing) when an output
 * lies outside the job's outdir (an input passed through): such a job simply runs again.
 * Asynchronous: the five file operations of an entry (two folders, a link per file, entry.json, the
 * rename) write the filesystem's journal, and on the main thread they held up every other job
 * of a 2,000-way first run (docs/cache.md, "Benchmark").
 */
export async function storeEntry(root: string, key: string, name: string, result: JobResult): Promise<boolean> {
  const outdir = path.resolve(result.outdir);
  const files: EntryFile['files'] = [];
  const rels: string[] = [];
  let outside = false;
  const outputs = mapPaths(result.outputs, (p) => {
    const rel = path.relative(outdir, p);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) outside = true;
    rels.push(rel);
    return rel;
  });
  if (outside) return false;
  const tmpRoot = path.join(root, VERSION_DIR, 'tmp');
  const tmp = path.join(tmpRoot, `${key}-${process.pid}-${randomHex(4)}`);
  try {
    await mkdir(path.join(tmp, 'files'), { recursive: true });
  } catch (err) {
    throw new CacheUnusableError(root, `cannot write in it (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  try {
    const seen = new Set<string>();
    for (const rel of rels) await copyTree(path.join(outdir, rel), path.join(tmp, 'files', rel), rel, files, seen);
    const entry: EntryFile = { format: CACHE_FORMAT, key, name, created: new Date().toISOString(), exitCode: result.exitCode, outputs: outputs as Record<string, unknown>, files };
    await writeFile(path.join(tmp, 'entry.json'), stringifyJson(entry) ?? '');
    const final = entryDir(root, key);
    const shard = path.dirname(final);
    if (!shardsMade.has(shard)) {
      await mkdir(shard, { recursive: true });
      shardsMade.add(shard);
    }
    try {
      await rename(tmp, final);
    } catch (err) {
      // Another run stored this key first (its entry is as good as this one).
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(tmp, { recursive: true, force: true });
    }
    return true;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new CacheUnusableError(root, `storing an entry failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** Link (or copy) a file or a folder's files from `src` to `dest`, recording each file. */
async function copyTree(src: string, dest: string, rel: string, files: EntryFile['files'], seen: Set<string>): Promise<void> {
  if (seen.has(rel)) return;
  seen.add(rel);
  const st = await lstat(src);
  if (st.isDirectory()) {
    await mkdir(dest, { recursive: true });
    files.push([rel, -1, 0]);
    for (const child of (await readdir(src)).sort()) await copyTree(path.join(src, child), path.join(dest, child), path.join(rel, child), files, seen);
    return;
  }
  if (rel.includes(path.sep)) await mkdir(path.dirname(dest), { recursive: true });
  await place(src, dest);
  const stored = await stat(dest);
  files.push([rel, stored.size, stored.mtimeMs]);
}

/** A hard link, else (another filesystem) a copy. */
async function place(src: string, dest: string): Promise<void> {
  try {
    await link(src, dest);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      await rm(dest, { force: true });
      return place(src, dest);
    }
  }
  await copyFile(src, dest);
}

/** `value` with each File/Directory (and its secondaryFiles/listing) path passed through `fn`. */
function mapPaths(value: unknown, fn: (p: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapPaths(v, fn));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if ((obj.class === 'File' || obj.class === 'Directory') && typeof obj.path === 'string') {
    // location and dirname are made again on reuse; kept empty so the fields keep their order.
    const out: Record<string, unknown> = { ...obj, path: fn(obj.path) };
    if ('location' in obj) out.location = '';
    if ('dirname' in obj) out.dirname = '';
    if (obj.secondaryFiles !== undefined) out.secondaryFiles = mapPaths(obj.secondaryFiles, fn);
    if (obj.listing !== undefined) out.listing = mapPaths(obj.listing, fn);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = mapPaths(v, fn);
  return out;
}

/** Stored outputs with paths made absolute under `outdir`, locations and dirnames set again. */
function relocated(value: unknown, outdir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => relocated(v, outdir));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if ((obj.class === 'File' || obj.class === 'Directory') && typeof obj.path === 'string') {
    const abs = path.join(outdir, obj.path);
    const out: Record<string, unknown> = { ...obj, location: pathToFileURL(abs).href, path: abs };
    if ('dirname' in obj) out.dirname = path.dirname(abs);
    if (obj.secondaryFiles !== undefined) out.secondaryFiles = relocated(obj.secondaryFiles, outdir);
    if (obj.listing !== undefined) out.listing = relocated(obj.listing, outdir);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = relocated(v, outdir);
  return out;
}

/** One entry for `parsl-cwl cache list`. */
export interface CacheEntryInfo {
  key: string;
  name: string;
  created: Date;
  bytes: number;
  files: number;
}

/** Every entry under `root` (unreadable ones skipped), and the folders under tmp/. */
export function listEntries(root: string): { entries: CacheEntryInfo[]; partial: string[] } {
  const base = path.join(root, VERSION_DIR);
  const entries: CacheEntryInfo[] = [];
  for (const shard of safeReaddir(base)) {
    if (shard === 'tmp') continue;
    for (const key of safeReaddir(path.join(base, shard))) {
      const dir = path.join(base, shard, key);
      try {
        const entry = parseJson(readFileSync(path.join(dir, 'entry.json'), 'utf8')) as EntryFile;
        const stored = entry.files.filter(([, size]) => size >= 0);
        const bytes = stored.reduce((sum, [, size]) => sum + size, 0);
        entries.push({ key, name: entry.name, created: new Date(entry.created), bytes, files: stored.length });
      } catch {
        continue;
      }
    }
  }
  entries.sort((a, b) => a.created.getTime() - b.created.getTime());
  return { entries, partial: safeReaddir(path.join(base, 'tmp')).map((n) => path.join(base, 'tmp', n)) };
}

/** Remove the entries made before `before` (and folders under tmp/ older than that); returns how many entries. */
export function pruneEntries(root: string, before: Date): { removed: number; bytes: number } {
  const { entries, partial } = listEntries(root);
  let removed = 0;
  let bytes = 0;
  for (const e of entries) {
    if (e.created.getTime() >= before.getTime()) continue;
    discard(root, entryDir(root, e.key));
    removed++;
    bytes += e.bytes;
  }
  for (const dir of partial) {
    try {
      if (statSync(dir).mtimeMs < before.getTime()) rmSync(dir, { recursive: true, force: true });
    } catch {
      continue;
    }
  }
  return { removed, bytes };
}

/** Remove the whole cache under `root` (only the folder this format owns). */
export function clearEntries(root: string): number {
  const n = listEntries(root).entries.length;
  const base = path.join(root, VERSION_DIR);
  const trash = path.join(root, `.clearing-${randomHex(6)}`);
  try {
    renameSync(base, trash);
  } catch {
    return 0;
  }
  rmSync(trash, { recursive: true, force: true });
  return n;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
