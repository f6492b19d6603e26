/**
 * Removing a run's folder tree at the end of a run, synchronously. `fs.rmSync(dir, { recursive })`
 * loads Node's rimraf module and tries `rmdir` on every folder before listing it, which measured
 * slower for a one-tool run's folder than listing each folder once and unlinking what it holds
 * (docs/running-tools.md). Anything unexpected (a folder a tool made unwritable, an entry that changes kind under
 * us) goes to `rmSync`, so the outcome and the errors are Node's.
 */
import { readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Remove `dir` and everything in it; a missing `dir` is fine. Symbolic links are removed, not followed. */
export function removeTreeSync(dir: string): void {
  try {
    removeListed(dir);
  } catch {
    // Gone already, an entry that vanished or changed while we walked, or one we may not remove:
    // rmSync finishes whatever is left, or throws Node's own error.
    rmSync(dir, { recursive: true, force: true });
  }
}

function removeListed(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) removeListed(full);
    else unlinkSync(full);
  }
  rmdirSync(dir);
}
