/**
 * THE one function that runs a TaskSpec, wherever it runs: in the LocalExecutor and in HTEX worker
 * processes. It holds no kernel state: a spec in, an outcome (or a ParslCwlError) out.
 *
 * Bash tasks run as `/bin/bash -c COMMAND` in their own process group, stdout/stderr straight to
 * files (PERF-NOTES: piped stdio collapses spawn rates when several Node processes spawn at once).
 * A walltime or an abort kills the whole group: SIGTERM, then SIGKILL for anything still alive
 * after a grace period, and the promise settles only once the group is gone, so nothing is left
 * behind when it does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import type { JobResult, JobSpec } from '../cwl/jobSpec.js';
import type { BashTaskSpec, TaskOutcome, TaskSpec } from './executor.js';
import { TaskWalltimeExceededError } from './errors.js';
import type { ShellSpawner } from './shellSpawner.js';
import { signalGroup } from '../processGroup.js';

export interface RunTaskOptions {
  /** How long a killed process group gets between SIGTERM and SIGKILL (default 1000 ms). */
  killGraceMs?: number;
  /**
   * Run bash tasks through this long-lived shell instead of a spawn per task (HTEX workers:
   * shellSpawner.ts documents the same behaviour, about twice the spawn rate).
   */
  shell?: ShellSpawner;
  /** Debug lines of CWL jobs (ignored hints, the command line, the exit code). */
  log?: (line: string) => void;
  /** Told the process group id of a bash task when it starts and when it is gone (last-resort cleanup). */
  processGroups?: Set<number>;
}

/** Run one task. A bash command's non-zero exit is an outcome; walltime and abort reject. */
export async function runTask(spec: TaskSpec, signal?: AbortSignal, options?: RunTaskOptions): Promise<TaskOutcome> {
  switch (spec.kind) {
    case 'noop':
      return NOOP_OUTCOME;
    case 'bash':
      return options?.shell ? options.shell.run(spec, signal) : runBash(spec, signal, options?.killGraceMs ?? 1000, options?.processGroups);
    case 'cwl-job':
      return { kind: 'cwl-job', result: await (await loadExecuteJob())(spec.job, signal, options?.log ? { log: options.log } : undefined) };
  }
}

const NOOP_OUTCOME: TaskOutcome = Object.freeze({ kind: 'noop' });

type ExecuteJob = (spec: JobSpec, signal?: AbortSignal, hooks?: { log?: (line: string) => void }) => Promise<JobResult>;
let executeJobPromise: Promise<ExecuteJob> | undefined;

/** src/cwl/execution is loaded on the first CWL job only: bash-only programs never pay for it. */
function loadExecuteJob(): Promise<ExecuteJob> {
  executeJobPromise ??= import('../cwl/execution/index.js').then((m) => m.executeJob);
  return executeJobPromise;
}

function openOutput(path: string | undefined, cwd: string | undefined): number | 'ignore' {
  if (path === undefined) return 'ignore';
  const abs = resolvePath(cwd ?? '.', path);
  try {
    return openSync(abs, 'w');
  } catch (err) {
    // Parsl creates missing parent folders of stdout/stderr files; only pay for it when needed.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(abs), { recursive: true });
    return openSync(abs, 'w');
  }
}

function runBash(spec: BashTaskSpec, signal: AbortSignal | undefined, killGraceMs: number, groups: Set<number> | undefined): Promise<TaskOutcome> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const out = openOutput(spec.stdout, spec.cwd);
  let err: number | 'ignore';
  try {
    err = spec.stderr !== undefined && spec.stderr === spec.stdout ? out : openOutput(spec.stderr, spec.cwd);
  } catch (e) {
    if (typeof out === 'number') closeSync(out);
    throw e;
  }
  let child;
  try {
    child = spawn('/bin/bash', ['-c', spec.command], {
      cwd: spec.cwd,
      env: spec.env ? { ...process.env, ...spec.env } : undefined,
      stdio: ['ignore', out, err],
      detached: true, // own process group: a walltime/abort kill reaches grandchildren too
    });
  } finally {
    // The child holds its own copies of the descriptors.
    if (typeof out === 'number') closeSync(out);
    if (typeof err === 'number' && err !== out) closeSync(err);
  }
  const pgid = child.pid;
  if (pgid !== undefined) groups?.add(pgid);
  return new Promise<TaskOutcome>((resolve, reject) => {
    let killedFor: 'walltime' | 'abort' | undefined;
    let killDeadline = 0;
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (why: 'walltime' | 'abort'): void => {
      if (killedFor || pgid === undefined) return;
      killedFor = why;
      signalGroup(pgid, 'SIGTERM');
      // A command that ignores SIGTERM keeps bash from exiting: SIGKILL the group after the grace.
      killDeadline = Date.now() + killGraceMs;
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), killGraceMs);
    };
    const onAbort = (): void => kill('abort');
    if (spec.walltimeSec !== undefined) timer = setTimeout(() => kill('walltime'), spec.walltimeSec * 1000);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      if (pgid !== undefined) groups?.delete(pgid);
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.once('exit', (code, sig) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!killedFor) {
        groups?.delete(pgid as number);
        resolve({ kind: 'bash', exitCode: code ?? 128 + signalNumber(sig), signal: sig, stdout: spec.stdout, stderr: spec.stderr });
        return;
      }
      const failure = killedFor === 'walltime' ? new TaskWalltimeExceededError(spec.command, spec.walltimeSec ?? 0) : abortReason(signal);
      void reapGroup(pgid as number, killDeadline).then(() => {
        groups?.delete(pgid as number);
        if (killTimer) clearTimeout(killTimer);
        reject(failure);
      });
    });
  });
}


/**
 * Wait for a SIGTERMed group to empty; SIGKILL whatever is still alive at `killDeadline`. Zombies
 * stay group members until their new parent reaps them, so the wait after SIGKILL is bounded.
 */
async function reapGroup(pgid: number, killDeadline: number): Promise<void> {
  let killed = false;
  while (signalGroup(pgid, 0)) {
    const now = Date.now();
    if (!killed && now >= killDeadline) {
      signalGroup(pgid, 'SIGKILL');
      killed = true;
    }
    if (now >= killDeadline + 1000) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new Error('task aborted');
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (osConstants.signals[sig] ?? 0) : 0;
}
