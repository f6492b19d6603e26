/**
 * THE one function that runs a TaskSpec, wherever it runs: in the LocalExecutor and in HTEX worker
 * processes. It holds no kernel state: a spec in, an outcome (or a ParslCwlError) out. A `job` task
 * runs with the runner its spec names, registered by the layer that makes such tasks (./jobRunners.ts).
 *
 * Bash tasks run as `/bin/bash -c COMMAND` under the process supervisor (src/process), stdout and
 * stderr straight to files: a walltime or an abort stops the whole process group (SIGTERM, SIGKILL
 * after the grace period), what the command leaves running when it exits is stopped too, and the
 * promise settles only once the group is gone.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { runProcess, type ProcessOutcome, type ProcessSlots } from '../process/index.js';
import type { BashTaskSpec, TaskOutcome, TaskRunReport, TaskSpec } from './executor.js';
import { TaskWalltimeExceededError } from './errors.js';
import { jobRunner } from './jobRunners.js';

export interface RunTaskOptions {
  /** How long a stopped process group gets between SIGTERM and SIGKILL (default: the supervisor's). */
  killGraceMs?: number | undefined;
  /** Debug lines of `job` tasks (a CWL job's ignored hints, command line, exit code). */
  log?: ((line: string) => void) | undefined;
  /** CWL jobs: their command starts when one of these is free (the local executor's). */
  processSlots?: ProcessSlots | undefined;
  /**
   * Bash tasks: run after every earlier queued one has ended, in order (an HTEX worker hands its
   * consecutive bash tasks over at once; the native spawner then runs them back to back in one
   * long-lived bash: $$ is that bash's pid, $BASHPID the task's, as on HTEX before).
   */
  queued?: boolean | undefined;
  /** Filled with what this try's command and runner tell (the run record), also when it fails. */
  report?: TaskRunReport | undefined;
}

/** Run one task. A bash command's non-zero exit is an outcome; walltime and abort reject. */
export async function runTask(spec: TaskSpec, signal?: AbortSignal, options?: RunTaskOptions): Promise<TaskOutcome> {
  switch (spec.kind) {
    case 'noop':
      return NOOP_OUTCOME;
    case 'bash':
      return runBash(spec, signal, options);
    case 'job':
      return {
        kind: 'job',
        result: await (await jobRunner(spec.runner))(spec.job, signal, { log: options?.log, killGraceMs: options?.killGraceMs, processSlots: options?.processSlots, report: options?.report }),
      };
  }
}

const NOOP_OUTCOME: TaskOutcome = Object.freeze({ kind: 'noop' });

/** A task's stdout/stderr file, its parent folders made as Parsl does; /dev/null when none. */
function outputPath(path: string | undefined, cwd: string): string {
  if (path === undefined) return '/dev/null';
  const abs = resolvePath(cwd, path);
  mkdirSync(dirname(abs), { recursive: true });
  return abs;
}

/**
 * Put a process's exit code and resource use in `report`. A queued bash task has no rusage of its
 * own (the native spawner reports zeros for it, docs/tool-start.md): a peak RSS of 0 means unknown.
 */
export function reportProcess(report: TaskRunReport | undefined, outcome: ProcessOutcome): void {
  if (!report) return;
  report.exitCode = outcome.exitCode;
  if (outcome.wallMs !== undefined) report.wallMs = outcome.wallMs;
  const ru = outcome.rusage;
  if (ru && ru.maxRssKb > 0) {
    report.userMs = ru.userMs;
    report.systemMs = ru.systemMs;
    report.maxRssKb = ru.maxRssKb;
  }
}

async function runBash(spec: BashTaskSpec, signal: AbortSignal | undefined, options: RunTaskOptions | undefined): Promise<TaskOutcome> {
  const killGraceMs = options?.killGraceMs;
  const queued = options?.queued;
  const cwd = resolvePath(spec.cwd ?? '.');
  const stdout = outputPath(spec.stdout, cwd);
  const stderr = spec.stderr !== undefined && spec.stderr === spec.stdout ? stdout : outputPath(spec.stderr, cwd);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  if (spec.env) Object.assign(env, spec.env);
  const outcome = await runProcess({
    argv: ['/bin/bash', '-c', spec.command],
    queuedScript: queued ? spec.command : undefined,
    cwd,
    env,
    stdout,
    stderr,
    timeLimitMs: (spec.walltimeSec ?? 0) * 1000,
    signal,
    killGraceMs,
  });
  reportProcess(options?.report, outcome);
  if (outcome.timedOut) throw new TaskWalltimeExceededError(spec.command, spec.walltimeSec ?? 0);
  return { kind: 'bash', exitCode: outcome.exitCode, signal: outcome.signal, stdout: spec.stdout, stderr: spec.stderr };
}
