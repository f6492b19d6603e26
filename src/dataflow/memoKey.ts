/**
 * Memo keys: a task's key is the app's identity plus its resolved arguments, with File and
 * Directory values keyed by their content (sha1), not their path or timestamps, so a second run
 * over the same data finds the first run's results. Object keys are sorted so equal arguments give
 * equal keys whatever order they were written in.
 */
import { stringifyJson, createHash } from '../util/index.js';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** sha1 of file contents, remembered per (path, size, mtime) for this process. */
const fileHashes = new Map<string, string>();

async function fileSha1(path: string): Promise<string> {
  const st = await stat(path);
  const cacheKey = `${path}\u0000${st.size}\u0000${st.mtimeMs}`;
  const known = fileHashes.get(cacheKey);
  if (known) return known;
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  fileHashes.set(cacheKey, digest);
  return digest;
}

async function directorySha1(path: string): Promise<string> {
  const hash = createHash('sha1');
  const entries = await readdir(path, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const child = join(path, e.name);
    hash.update(`${e.name}\u0000${e.isDirectory() ? `d:${await directorySha1(child)}` : `f:${await fileSha1(child)}`}\n`);
  }
  return hash.digest('hex');
}

function localPath(v: { path?: unknown; location?: unknown }): string | undefined {
  if (typeof v.path === 'string') return v.path;
  if (typeof v.location === 'string') {
    if (v.location.startsWith('file://')) return fileURLToPath(v.location);
    if (!v.location.includes('://')) return v.location;
  }
  return undefined;
}

/** Arguments with File/Directory values replaced by content digests; other values as they are. */
async function contentView(value: unknown): Promise<unknown> {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Promise.all(value.map(contentView));
  const obj = value as Record<string, unknown>;
  if (obj.class === 'File' || obj.class === 'Directory') {
    const path = localPath(obj);
    // A literal (`contents` without a path) is keyed by itself.
    if (path === undefined) return obj;
    const digest = obj.class === 'File' ? await fileSha1(path) : await directorySha1(path);
    const view: Record<string, unknown> = { class: obj.class, sha1: digest, basename: obj.basename ?? path.slice(path.lastIndexOf('/') + 1) };
    if (obj.secondaryFiles !== undefined) view.secondaryFiles = await contentView(obj.secondaryFiles);
    if (obj.format !== undefined) view.format = obj.format;
    return view;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort()) out[key] = await contentView(obj[key]);
  return out;
}

/** The memo key of an app identity and resolved arguments. Rejects if an input file cannot be read. */
export async function memoKey(identity: string, args: unknown): Promise<string> {
  const view = await contentView(args);
  return createHash('sha256').update(identity).update('\u0000').update(stringifyJson(view) ?? 'undefined').digest('hex');
}
