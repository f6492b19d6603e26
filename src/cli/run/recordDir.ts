/**
 * Where the run command keeps each run's record (docs/run-record.md#where-it-lives): never in the
 * folder it was started from (cwl-runners do not write there; the conformance suite runs from a
 * read-only one), but in the user's state folder, `$XDG_STATE_HOME/parsl-cwl/runs/<run>/` (default
 * `~/.local/state/parsl-cwl/runs/`), keeping the newest `--keep-runs` runs; or in `--run-dir DIR`.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunDirUnusableError } from '../errors.js';
import { removeTreeSync } from './removeTree.js';

/** Runs kept in the state folder when --keep-runs is not given. */
export const DEFAULT_KEEP_RUNS = 100;

/** Names of run folders in the state folder: the start time (UTC, sortable) and the process id. */
const RUN_NAME = /^\d{8}-\d{6}-\d{3}-\d+(-\d+)?$/;

/** `$XDG_STATE_HOME/parsl-cwl/runs`, else `~/.local/state/parsl-cwl/runs`. */
export function stateRunsDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'parsl-cwl', 'runs');
}

/**
 * Make this run's record folder: `runDir` when given (it must not hold a record already), else a
 * new folder in the state folder, after which the oldest runs there beyond `keepRuns` are removed.
 */
export function makeRecordDir(runDir: string | undefined, keepRuns: number): string {
  if (runDir !== undefined) {
    const dir = path.resolve(runDir);
    if (existsSync(path.join(dir, 'run.json'))) throw new RunDirUnusableError(runDir, 'it already holds a run record; give a new folder');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new RunDirUnusableError(runDir, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    return dir;
  }
  const runs = stateRunsDir();
  try {
    mkdirSync(runs, { recursive: true });
  } catch (err) {
    throw new RunDirUnusableError(runs, (err as NodeJS.ErrnoException).code ?? (err as Error).message, 'set XDG_STATE_HOME to a writable folder, or give --run-dir');
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').slice(0, 19);
  let dir = path.join(runs, `${stamp}-${process.pid}`);
  // Two runs of one process in one millisecond (a program calling the CLI's main twice).
  for (let n = 1; ; n++) {
    try {
      mkdirSync(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunDirUnusableError(runs, (err as NodeJS.ErrnoException).code ?? String(err));
      dir = path.join(runs, `${stamp}-${process.pid}-${n}`);
    }
  }
  pruneRuns(runs, keepRuns, dir);
  return dir;
}

/** Remove the oldest run folders of `runs` beyond the newest `keep` (never `current`). */
export function pruneRuns(runs: string, keep: number, current: string): void {
  let names: string[];
  try {
    names = readdirSync(runs).filter((n) => RUN_NAME.test(n));
  } catch {
    return;
  }
  if (names.length <= keep) return;
  names.sort();
  for (const name of names.slice(0, names.length - keep)) {
    const dir = path.join(runs, name);
    if (dir === current) continue;
    try {
      removeTreeSync(dir);
    } catch {
      // Another run removing the same folder at once, or one we may not remove: not this run's problem.
    }
  }
}
