/**
 * Directory listings of a tool's inputs (CWL v1.2 §LoadListingRequirement, `loadListing` of an input
 * parameter): `no_listing` (the v1.2 default), `shallow_listing` or `deep_listing`. Workflow steps
 * hand over Directories without listings; the listing is made here, after staging, so its paths
 * are the ones the tool sees.
 */
import { fillListings } from '../inputs/directoryListing.js';
import type { CommandLineTool, CwlDirectory, CwlFile, LoadListing, Requirement } from '../model.js';

/** Fill in `listing` of Directory inputs that have none, as their parameter or the requirement asks. */
export async function applyLoadListing(tool: CommandLineTool, loadListingReq: Requirement | undefined, inputs: Record<string, unknown>): Promise<void> {
  const fallback = (loadListingReq?.loadListing as LoadListing | undefined) ?? 'no_listing';
  for (const param of tool.inputs) await fillListings(inputs[param.id], param.loadListing ?? fallback);
}

/**
 * The entries of a folder as File/Directory objects, sorted by name; sub-folders carry their own
 * listing when `deep` (used by the workflow engine for step inputs with `loadListing`).
 */
export async function listDirectory(dir: string, deep: boolean): Promise<Array<CwlFile | CwlDirectory>> {
  const holder: CwlDirectory = { class: 'Directory', path: dir };
  await fillListings(holder, deep ? 'deep_listing' : 'shallow_listing');
  return holder.listing ?? [];
}
