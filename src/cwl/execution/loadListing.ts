/**
 * Directory listings of a tool's inputs (CWL v1.2 §LoadListingRequirement, `loadListing` of an input
 * parameter): `no_listing` (the v1.2 default), `shallow_listing` (direct children, sub-directories
 * without their own listing) or `deep_listing` (the whole tree).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDirectory, type CommandLineTool, type CwlDirectory, type CwlFile, type LoadListing, type Requirement } from '../model.js';
import { setPath } from './pathFields.js';

/** Fill in `listing` of Directory inputs that have none, as their parameter or the requirement asks. */
export async function applyLoadListing(tool: CommandLineTool, loadListingReq: Requirement | undefined, inputs: Record<string, unknown>): Promise<void> {
  const fallback = (loadListingReq?.loadListing as LoadListing | undefined) ?? 'no_listing';
  for (const param of tool.inputs) {
    const depth = param.loadListing ?? fallback;
    if (depth === 'no_listing') continue;
    await fill(inputs[param.id], depth);
  }
}

async function fill(value: unknown, depth: LoadListing): Promise<void> {
  if (Array.isArray(value)) {
    for (const v of value) await fill(v, depth);
    return;
  }
  if (isDirectory(value) && value.listing === undefined && value.path !== undefined) {
    value.listing = await listDirectory(value.path, depth === 'deep_listing');
  }
}

/** The entries of a folder as File/Directory objects (sorted by name for stable output). */
export async function listDirectory(dir: string, deep: boolean): Promise<Array<CwlFile | CwlDirectory>> {
  const names = (await readdir(dir)).sort();
  const out: Array<CwlFile | CwlDirectory> = [];
  for (const name of names) {
    const p = path.join(dir, name);
    // stat (not lstat): a link to a folder is listed as the folder the tool will see.
    const st = await stat(p);
    if (st.isDirectory()) {
      const d = setPath({ class: 'Directory' } as CwlDirectory, p);
      if (deep) d.listing = await listDirectory(p, true);
      out.push(d);
    } else {
      const f = setPath({ class: 'File' } as CwlFile, p);
      f.size = st.size;
      out.push(f);
    }
  }
  return out;
}
