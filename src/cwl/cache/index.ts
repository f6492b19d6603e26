/**
 * The job cache (`--cachedir`, docs/cache.md): a tool job whose key (./key.ts) has an entry reuses
 * its stored outputs instead of running; a job that succeeds is stored (./store.ts). It wraps the
 * `cwl` job runner (../jobTask.ts), so it works wherever jobs run: in the local executor, on HTEX
 * workers and in Slurm blocks, given a cache folder they all see.
 */
import type { JobResult, JobSpec } from '../jobSpec.js';
import { reuseAllowed } from '../workReuse.js';
import { jobCacheKey } from './key.js';
import { reuseEntry, storeEntry } from './store.js';

export { jobCacheKey, keyView, CACHE_FORMAT } from './key.js';
export { listEntries, pruneEntries, clearEntries, type CacheEntryInfo } from './store.js';
export { defaultCacheDir } from './location.js';

/** Whether the cache applies to `spec`: a CommandLineTool, a cache folder given, WorkReuse not off. */
export function cacheApplies(spec: JobSpec): boolean {
  return spec.options?.cache !== undefined && spec.tool.class === 'CommandLineTool' && reuseAllowed(spec.requirements, spec.hints);
}

/** Run `spec` through the cache: reuse its entry, or `execute` it and store the result. */
export async function runCached(spec: JobSpec, execute: (spec: JobSpec) => Promise<JobResult>, log?: (line: string) => void): Promise<JobResult> {
  const root = (spec.options?.cache as { dir: string }).dir;
  let key: string;
  try {
    key = await jobCacheKey(spec);
  } catch (err) {
    // An input that cannot be read: the job itself reports it, with its own coded error.
    log?.(`${spec.name}: no cache key (${(err as Error).message}); running it`);
    return execute(spec);
  }
  const hit = reuseEntry(root, key);
  if (hit !== undefined) {
    log?.(`${spec.name}: reused from the cache (${key.slice(0, 12)})`);
    return hit;
  }
  const result = await execute(spec);
  // The job succeeded: a cache that cannot take its entry (a full disk) does not undo that. The
  // run command checked the folder is writable before anything ran.
  try {
    if (!(await storeEntry(root, key, spec.name, result))) log?.(`${spec.name}: not stored in the cache: an output lies outside its output folder`);
  } catch (err) {
    log?.(`${spec.name}: not stored in the cache: ${(err as Error).message}`);
  }
  return result;
}
