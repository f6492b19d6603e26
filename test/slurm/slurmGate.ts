/**
 * Whether the Slurm tests run, and the checks every one of them shares. With PARSL_CWL_SLURM=1
 * (set by .ci/run after test/slurm/start-local-slurm.sh) Slurm must work, or the tests FAIL;
 * without it they skip and say how to run them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SLURM_REQUIRED = process.env.PARSL_CWL_SLURM === '1';

export const SKIP_REASON = 'Slurm tests are off: run `sudo test/slurm/start-local-slurm.sh`, then set PARSL_CWL_SLURM=1';

/** `{ skip }` for node:test: false when the tests must run. */
export const slurmTestOptions: { skip: string | false } = { skip: SLURM_REQUIRED ? false : SKIP_REASON };

/** Throws (failing the test) unless sinfo answers and shows a usable node. */
export function assertSlurmWorks(): void {
  let states: string;
  try {
    states = execFileSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8', timeout: 10_000 });
  } catch (err) {
    throw new Error(`PARSL_CWL_SLURM=1 but sinfo fails (${(err as Error).message}); start the cluster with test/slurm/start-local-slurm.sh`);
  }
  if (!/\b(idle|mixed|allocated)\b/.test(states)) throw new Error(`PARSL_CWL_SLURM=1 but no Slurm node is usable (sinfo: ${states.trim() || 'nothing'})`);
}

/** A label unique to one test run, so job names (`parsl.<label>.block-<n>`) are ours alone. */
export function uniqueLabel(prefix: string): string {
  return `${prefix}${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
}

/** Slurm jobs (any state squeue still lists as live) whose name contains `label`. */
export function liveJobsNamed(label: string): { id: string; name: string; state: string }[] {
  const out = execFileSync('squeue', ['--noheader', '--format=%i|%j|%T'], { encoding: 'utf8', timeout: 10_000 });
  return out
    .split('\n')
    .map((line) => line.trim().split('|'))
    .filter((parts) => parts.length === 3 && (parts[1] ?? '').includes(label))
    .map(([id, name, state]) => ({ id: id ?? '', name: name ?? '', state: state ?? '' }));
}

/**
 * After a test: no live job of ours may be left in squeue. Jobs still ending (COMPLETING) get a
 * few seconds; anything else is cancelled, then reported as a failure.
 */
export async function assertNoJobsLeft(label: string, graceMs = 15_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = liveJobsNamed(label);
  while (left.length > 0 && left.every((job) => job.state === 'COMPLETING') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = liveJobsNamed(label);
  }
  if (left.length === 0) return;
  execFileSync('scancel', left.map((job) => job.id));
  throw new Error(`jobs of ours left in squeue: ${left.map((job) => `${job.id} ${job.name} ${job.state}`).join(', ')}`);
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined (Slurm has no events to await). */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const scratchDirs: string[] = [];
process.once('exit', () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder on the filesystem the jobs share with the test (one machine here), removed when the test file ends. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pcwl-slurm-${name}-`));
  scratchDirs.push(dir);
  return dir;
}
