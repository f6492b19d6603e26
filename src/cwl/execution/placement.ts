/**
 * Putting one File or Directory value at a chosen path: by symbolic link (read-only use), by copy
 * (writable use), or by writing it out (`contents` literals, Directory literals with a `listing`).
 * Shared by input staging and InitialWorkDirRequirement.
 */
import { chmod, copyFile, cp, lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { localPath } from '../commandLine/index.js';
import { isDirectory, isFile, type CwlDirectory, type CwlFile } from '../model.js';
import { setPath } from './pathFields.js';

export type PlaceMode = 'link' | 'copy';

/** The local path a File/Directory value refers to (`path`, else a file:// `location`); undefined for a literal. */
export const sourcePath = localPath;

let literalCounter = 0;
/** A name for a literal without `basename` (CWL leaves the choice to the runner). */
export function literalName(obj: CwlFile | CwlDirectory): string {
  return obj.basename ?? `${obj.class === 'File' ? 'file' : 'dir'}_literal_${process.pid}_${++literalCounter}`;
}

/**
 * Put `obj` at `target` and return a copy whose `path`/`location` (and nested listing and
 * secondaryFiles) point there. SecondaryFiles go beside the primary (CWL v1.2 §SecondaryFileSchema).
 */
export async function placeEntry(obj: CwlFile | CwlDirectory, target: string, mode: PlaceMode): Promise<CwlFile | CwlDirectory> {
  await mkdir(path.dirname(target), { recursive: true });
  const src = sourcePath(obj);
  const placed = { ...obj } as CwlFile | CwlDirectory;
  if (isFile(placed)) {
    if (src !== undefined) {
      if (mode === 'copy') {
        await copyFile(src, target);
        await makeWritable(target, false);
      } else await symlink(src, target);
    } else {
      // §File contents: a literal file is created from `contents` when staged.
      await writeFile(target, placed.contents ?? '');
    }
    setPath(placed, target);
    if (placed.secondaryFiles?.length) {
      const dir = path.dirname(target);
      const secondaries: Array<CwlFile | CwlDirectory> = [];
      for (const sec of placed.secondaryFiles) {
        const secName = sec.basename ?? path.basename(sourcePath(sec) ?? literalName(sec));
        secondaries.push(await placeEntry(sec, path.join(dir, secName), mode));
      }
      placed.secondaryFiles = secondaries;
    }
    return placed;
  }
  const dir = placed as CwlDirectory;
  if (src !== undefined) {
    if (mode === 'copy') {
      await cp(src, target, { recursive: true, dereference: true });
      await makeWritable(target, true);
    } else await symlink(src, target);
    setPath(dir, target);
    if (dir.listing) dir.listing = dir.listing.map((e) => rebase(e, src, target));
    return dir;
  }
  // §Directory listing: a Directory literal is created and its listing staged inside it.
  await mkdir(target, { recursive: true });
  setPath(dir, target);
  if (dir.listing) {
    const listing: Array<CwlFile | CwlDirectory> = [];
    for (const entry of dir.listing) {
      const name = entry.basename ?? path.basename(sourcePath(entry) ?? literalName(entry));
      listing.push(await placeEntry(entry, path.join(target, name), mode));
    }
    dir.listing = listing;
  }
  return dir;
}

/** A copy of a listing entry whose paths under `from` now live under `to`. */
export function rebase<T extends CwlFile | CwlDirectory>(obj: T, from: string, to: string): T {
  const copy = { ...obj };
  const src = sourcePath(obj);
  if (src !== undefined && (src === from || src.startsWith(from + path.sep))) setPath(copy, to + src.slice(from.length));
  if (isFile(copy) && copy.secondaryFiles) copy.secondaryFiles = copy.secondaryFiles.map((s) => rebase(s, from, to));
  if (isDirectory(copy) && copy.listing) copy.listing = copy.listing.map((e) => rebase(e, from, to));
  return copy;
}

/** §Dirent writable: a writable directory is writable all the way down. */
async function makeWritable(p: string, recursive: boolean): Promise<void> {
  const st = await lstat(p);
  if (st.isSymbolicLink()) return;
  await chmod(p, st.mode | 0o200);
  if (recursive && st.isDirectory()) {
    for (const name of await readdir(p)) await makeWritable(path.join(p, name), true);
  }
}
