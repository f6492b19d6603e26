/**
 * Checking `--outdir` before anything runs, so a run whose outputs could not be placed does not
 * run at all: the folder (or, when it does not exist yet, the nearest folder above it, where it
 * will be made) must be a folder and writable. access(2) answers for root too when the file
 * system is read-only (EROFS) or the folder immutable (EPERM). The move itself can still fail
 * (a full disk): the run then keeps its folder and says where (run.ts).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { OutputsNotPlacedError } from '../../cwl/index.js';
import { folderProblem } from '../../cwl/relocate.js';

export function checkOutdir(outdir: string): void {
  const dir = path.resolve(outdir);
  for (let p = dir; ; ) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const up = path.dirname(p);
      // Missing (or below a file, which the loop then finds): the folder would be made in `up`.
      if ((e.code === 'ENOENT' || e.code === 'ENOTDIR') && up !== p) {
        p = up;
        continue;
      }
      throw new OutputsNotPlacedError(dir, folderProblem(e));
    }
    if (!isDir) {
      throw new OutputsNotPlacedError(dir, p === dir ? 'is a file, not a folder; give a folder (it is made when missing)' : `${p} is a file, so no folder can be made below it; give another folder`);
    }
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
    } catch (err) {
      // One line: the reason names the errno; the cause would only repeat it.
      const problem = folderProblem(err as NodeJS.ErrnoException);
      throw new OutputsNotPlacedError(dir, p === dir ? problem : `cannot be made in ${p}: ${problem}`);
    }
    return;
  }
}
