/**
 * Each job's designated temporary directory (CWL v1.2 §Runtime environment: it "must initially be
 * empty"; it may go as soon as the tool ends), made cheaply. Most tools leave it empty, and making
 * then removing a folder is two directory operations of the file system's slowest kind (mkdir,
 * rmdir: each many times a rename while other jobs run; docs/workflows.md#benchmark has the
 * figures), all on the one thread that starts every job. So a job's
 * empty tmpdir is not removed when the job ends: it is kept as a spare, and the next job of the same
 * run renames it into place instead of making one. What is left of the spares is
 * removed with the run's folder.
 *
 * A spare is used only when it is still there and empty: it was empty when its job ended (whose
 * process group was gone by then, src/process), and a rename onto a folder that is not empty fails.
 * Anything unexpected (the spare was removed with its run's folder, another file system, a `tmp`
 * left by an earlier attempt holding files) falls back to making the folder as before.
 */
import { mkdirSync, readdirSync, renameSync, rmdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';

/** Empty temporary folders of ended jobs, all of job folders under one folder (`sparesOf`). */
let spares: string[] = [];
let sparesOf: string | undefined;
/** More spares than jobs running at once are never needed; the rest go with the run's folder. */
const MAX_SPARES = 64;

/**
 * Make `tmpdir`, an empty folder (or an existing one left by an earlier attempt, as `mkdir` with
 * EEXIST allowed). `pool`: the folder holding the job folders (the tmpdir is the job's default one,
 * `<jobDir>/tmp` or `<jobDir>+tmp`): a spare left by a job of the same folder is renamed into
 * place. Without `pool` (a tmpdir given elsewhere) the folder is made, parents too.
 */
export function makeTmpdir(tmpdir: string, pool: string | undefined): void {
  if (pool === undefined) {
    mkdirSync(tmpdir, { recursive: true });
    return;
  }
  if (sparesOf !== pool) {
    spares = [];
    sparesOf = pool;
  }
  // This very folder is a spare (a retry in the same job folder): it is there and empty.
  const own = spares.indexOf(tmpdir);
  if (own >= 0) {
    spares.splice(own, 1);
    return;
  }
  const spare = spares.pop();
  if (spare !== undefined) {
    try {
      renameSync(spare, tmpdir);
      return;
    } catch {
      // Gone with its run's folder, another file system, or `tmpdir` exists and is not empty:
      // the spare is dropped (what is left of it goes with its run's folder).
    }
  }
  try {
    mkdirSync(tmpdir);
  } catch (err) {
    // A folder left by an earlier attempt is fine; anything else in its place is not.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(tmpdir).isDirectory()) throw err;
  }
}

/**
 * The job has ended and nothing of its process group runs: an empty default tmpdir (`pool` as
 * given to makeTmpdir) becomes a spare; any other is removed.
 */
export async function releaseTmpdir(tmpdir: string, pool: string | undefined): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(tmpdir);
  } catch {
    return; // the tool removed it (or it is not a folder any more): nothing to keep or remove
  }
  if (names.length === 0) {
    if (pool !== undefined && sparesOf === pool && spares.length < MAX_SPARES) {
      spares.push(tmpdir);
      return;
    }
    try {
      rmdirSync(tmpdir);
      return;
    } catch {
      // something appeared in it meanwhile: the recursive removal below
    }
  }
  await rm(tmpdir, { recursive: true, force: true });
}
