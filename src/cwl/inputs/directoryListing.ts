/**
 * `listing` of Directory inputs per `loadListing` (CWL v1.2 "LoadListingRequirement" and the
 * parameter's `loadListing`): no_listing (the v1.2 default), shallow_listing, deep_listing.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CwlDirectory, CwlFile, LoadListing } from '../model.js';
import { isDirectory } from '../model.js';

/** Fill `listing` of every Directory in `value` that has a local path and no listing yet. */
export async function fillListings(value: unknown, depth: LoadListing): Promise<void> {
  if (depth === 'no_listing') return;
  if (Array.isArray(value)) {
    for (const v of value) await fillListings(v, depth);
    return;
  }
  if (isDirectory(value)) {
    if (value.listing === undefined && value.path) value.listing = await listFolder(value.path, depth === 'deep_listing');
    return;
  }
  if (typeof value === 'object' && value !== null && (value as { class?: unknown }).class !== 'File') {
    for (const v of Object.values(value)) await fillListings(v, depth);
  }
}

async function listFolder(dir: string, deep: boolean): Promise<Array<CwlFile | CwlDirectory>> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Array<CwlFile | CwlDirectory> = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    const location = pathToFileURL(p).href;
    // A symlink is listed as what it points to, as the tool will see it.
    const isDir = e.isSymbolicLink() ? (await stat(p).catch(() => undefined))?.isDirectory() === true : e.isDirectory();
    if (isDir) {
      const d: CwlDirectory = { class: 'Directory', location, path: p, basename: e.name };
      if (deep) d.listing = await listFolder(p, true);
      out.push(d);
    } else {
      out.push({ class: 'File', location, path: p, basename: e.name });
    }
  }
  return out;
}
