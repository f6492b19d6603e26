/**
 * File and Directory objects for outputs (Process.yml, File and Directory): location (file://),
 * path, basename, dirname, nameroot, nameext, size and a `sha1$` checksum for every File, Directory
 * listings, and writing out File/Directory literals (`contents`, `listing` without a location) so
 * every output exists in the output directory.
 */
import { createHash, sha1Hex } from '../../util/index.js';
import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import { mkdir, readdir, stat, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CwlDirectory, CwlFile, LoadListing } from '../model.js';
import { isDirectory, isFile } from '../model.js';

export interface DescribeOptions {
  /** Compute sha1 checksums (default true). */
  checksum?: boolean;
}

/** `nameroot`/`nameext` of a basename: the last extension, leading dots not counting as one. */
export function nameParts(basename: string): { nameroot: string; nameext: string } {
  const stripped = basename.replace(/^\.+/, '');
  const lead = basename.length - stripped.length;
  const dot = stripped.lastIndexOf('.');
  if (dot < 0) return { nameroot: basename, nameext: '' };
  return { nameroot: basename.slice(0, lead + dot), nameext: basename.slice(lead + dot) };
}

/**
 * Files up to this size are read and hashed synchronously: for the small files most tools write,
 * one blocking read is cheaper than a thread-pool round trip and a promise per step (a 2,000-way
 * scatter hashes 2,000 of them). Larger files stream, so the event loop is not held up.
 */
const SYNC_HASH_MAX = 64 * 1024;

/** `sha1$<hex>` of a file's bytes; `size` when the caller has already stat'ed it. */
export async function sha1File(file: string, size?: number): Promise<string> {
  const bytes = size ?? statSync(file).size;
  if (bytes <= SYNC_HASH_MAX) return `sha1$${sha1Hex(readFileSync(file))}`;
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha1$${hash.digest('hex')}`;
}

/**
 * A File object for an existing file; `basename` may be given to keep a name an expression chose,
 * `st` when the caller has already stat'ed it (a glob match).
 */
export async function describeFile(file: string, options: DescribeOptions = {}, basename?: string, st: Stats = statSync(file)): Promise<CwlFile> {
  const name = basename ?? path.basename(file);
  const out: CwlFile = {
    class: 'File',
    location: pathToFileURL(file).href,
    path: file,
    basename: name,
    dirname: path.dirname(file),
    ...nameParts(name),
    size: st.size,
  };
  if (options.checksum !== false) out.checksum = await sha1File(file, st.size);
  return out;
}

/** A Directory object for an existing folder with its listing (`deep_listing` by default). */
export async function describeDirectory(dir: string, options: DescribeOptions = {}, listing: LoadListing = 'deep_listing', basename?: string): Promise<CwlDirectory> {
  const out: CwlDirectory = { class: 'Directory', location: pathToFileURL(dir).href, path: dir, basename: basename ?? path.basename(dir) };
  if (listing !== 'no_listing') out.listing = await listDirectory(dir, options, listing === 'deep_listing');
  return out;
}

async function listDirectory(dir: string, options: DescribeOptions, deep: boolean): Promise<Array<CwlFile | CwlDirectory>> {
  const names = (await readdir(dir)).sort();
  const out: Array<CwlFile | CwlDirectory> = [];
  for (const name of names) {
    const p = path.join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) out.push(await describeDirectory(p, options, deep ? 'deep_listing' : 'no_listing'));
    else out.push(await describeFile(p, options));
  }
  return out;
}

/** Does anything exist at `p`? (One synchronous stat: cheaper than a thread-pool round trip.) */
export async function exists(p: string): Promise<boolean> {
  try {
    return statSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // not reachable (EACCES, ENOTDIR...): as good as absent
  }
}

/** A name in `dir` not taken yet: `name`, else `name_2`, `name_3`... (before the extension). */
export async function freeName(dir: string, name: string): Promise<string> {
  if (!(await exists(path.join(dir, name)))) return name;
  const { nameroot, nameext } = nameParts(name);
  for (let i = 2; ; i++) {
    const candidate = `${nameroot}_${i}${nameext}`;
    if (!(await exists(path.join(dir, candidate)))) return candidate;
  }
}

/**
 * Write a File literal (`contents` without location/path) or Directory literal (`listing` without
 * location/path) into `dir`; returns the path made. Listing entries that have a path are copied in.
 */
export async function writeLiteral(obj: CwlFile | CwlDirectory, dir: string): Promise<string> {
  const name = await freeName(dir, obj.basename || (isFile(obj) ? 'file_literal' : 'directory_literal'));
  const target = path.join(dir, name);
  if (isFile(obj)) {
    await writeFile(target, obj.contents ?? '');
    return target;
  }
  await mkdir(target, { recursive: true });
  for (const entry of obj.listing ?? []) {
    if (entry.path || entry.location) {
      const src = entry.path ?? fileURLToPath(entry.location as string);
      if (isDirectory(entry)) await copyTree(src, path.join(target, entry.basename ?? path.basename(src)));
      else await copyFile(src, path.join(target, entry.basename ?? path.basename(src)));
    } else {
      await writeLiteral(entry, target);
    }
  }
  return target;
}

async function copyTree(src: string, dest: string): Promise<void> {
  const { cp } = await import('node:fs/promises');
  await cp(src, dest, { recursive: true });
}
