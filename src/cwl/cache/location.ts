/** Where `parsl-cwl cache` looks when no --cachedir is given (docs/cache.md). */
import os from 'node:os';
import path from 'node:path';

/** `$PARSL_CWL_CACHE_DIR/jobs`, else `$XDG_CACHE_HOME/parsl-cwl/jobs`, else `~/.cache/parsl-cwl/jobs`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARSL_CWL_CACHE_DIR) return path.join(env.PARSL_CWL_CACHE_DIR, 'jobs');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'parsl-cwl', 'jobs');
}
