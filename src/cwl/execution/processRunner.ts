/**
 * Running the tool's command (CWL v1.2 §Execution) under the process supervisor (src/process):
 * this module only puts the supervisor's outcomes in CWL terms. Standard streams go to files, never
 * pipes; the command leads its own process group, so a time limit or a cancel stops everything it
 * started, and what it leaves running when it exits is stopped too.
 */
import { ProcessStartFailedError, runProcess, type ProcessOutcome, type ProcessSlots } from '../../process/index.js';
import { StagingError, ToolTimeoutError } from '../errors.js';

export interface CommandRun {
  /** The program and its arguments (`['/bin/sh', '-c', script]` under ShellCommandRequirement). */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Absolute paths; stdin absent means /dev/null. */
  stdin?: string;
  stdout: string;
  stderr: string;
  /** ToolTimeLimit in seconds; 0 or absent means no limit. */
  timeLimitSec?: number;
  jobName: string;
  signal?: AbortSignal;
  /** After SIGTERM, how long the command's group gets before SIGKILL (default: the supervisor's). */
  killGraceMs?: number;
  /** Start when one of these is free (the local executor's limit on running tool commands). */
  slots?: ProcessSlots | undefined;
  /** Called when a time limit or the signal starts stopping the command (a container is removed then). */
  onStop?: ((why: 'timeLimit' | 'abort') => void) | undefined;
  /** Told how the command ended before anything is decided from it (a timed-out one included). */
  onEnded?: (outcome: ProcessOutcome) => void;
}

export interface CommandOutcome {
  /** The exit code; 128 + signal number when the command was killed by a signal. */
  exitCode: number;
  signal: NodeJS.Signals | null;
}

/** The program cannot be started (not found, not executable). */
export class SpawnFailure extends Error {
  constructor(
    readonly program: string,
    readonly errno: string,
  ) {
    super(
      errno === 'ENOENT'
        ? `cannot run '${program}': no such program (check baseCommand and PATH)`
        : `cannot run '${program}': ${errno}`,
    );
  }
}

export async function runCommand(run: CommandRun): Promise<CommandOutcome> {
  if (run.argv.length === 0) throw new SpawnFailure('(empty command line)', 'the command line is empty');
  let outcome;
  try {
    outcome = await runProcess({
      argv: run.argv,
      cwd: run.cwd,
      env: run.env,
      stdin: run.stdin,
      stdout: run.stdout,
      stderr: run.stderr,
      timeLimitMs: (run.timeLimitSec ?? 0) * 1000,
      signal: run.signal,
      killGraceMs: run.killGraceMs,
      slots: run.slots,
      onStop: run.onStop,
    });
  } catch (err) {
    if (!(err instanceof ProcessStartFailedError)) throw err;
    if (err.step === 'program') throw new SpawnFailure(err.file, err.errno);
    const role = err.step === 'cwd' ? 'working directory' : err.step;
    throw new StagingError(run.jobName, `cannot open ${err.file} as the command's ${role} (${err.errno})`, { cause: err });
  }
  run.onEnded?.(outcome);
  if (outcome.timedOut) throw new ToolTimeoutError(run.jobName, run.timeLimitSec ?? 0);
  return { exitCode: outcome.exitCode, signal: outcome.signal };
}
