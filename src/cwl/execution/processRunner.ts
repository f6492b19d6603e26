/**
 * Running the tool's command (CWL v1.2 §Execution). Standard streams go to FILES, never pipes
 * (PERF-NOTES.md: piped stdio collapses spawn throughput when several Node processes spawn at
 * once). The command leads its own process group, so a time limit or a cancel stops everything it
 * started. Commands start through the native spawner (nativeSpawner.ts: posix_spawn from a small
 * long-lived C process) when it was built, else a pool of long-lived shells (commandShells.ts);
 * either way no fork of this large process per job. A command neither can pass exactly is spawned
 * from Node.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { StagingError, ToolTimeoutError } from '../errors.js';
import { CommandShellPool, shellsAvailable } from './commandShells.js';

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
}

export interface CommandOutcome {
  /** The exit code; 128 + signal number when the command was killed by a signal. */
  exitCode: number;
  signal: NodeJS.Signals | null;
}

/** After SIGTERM, how long the process group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

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

export function runCommand(run: CommandRun): Promise<CommandOutcome> {
  const [file, ...args] = run.argv;
  if (file === undefined) return Promise.reject(new SpawnFailure('(empty command line)', 'the command line is empty'));
  run.signal?.throwIfAborted();
  shells ??= new CommandShellPool();
  if (shells.canRun(run)) return shells.run(run, KILL_GRACE_MS);
  return spawnCommand(file, args, run);
}

let shells: CommandShellPool | undefined;

/**
 * Resolves once no command this process started through the pool is running: at once when none
 * is, else when the last one ends (a cancelled one after SIGTERM and at most the grace period).
 */
export function commandsEnded(): Promise<void> {
  return shells?.whenIdle() ?? Promise.resolve();
}

/**
 * Called as a job starts; call the result when it ends. Lets the shell pool start a shell before
 * the job needs it, and spawn a lone first command without one (CommandShellPool.jobStarting).
 */
export function commandJobStarting(): () => void {
  shells ??= new CommandShellPool();
  if (shells.backend === 'bash' && !shellsAvailable()) return () => {};
  return shells.jobStarting();
}

/** The same through `child_process.spawn` (argv the shells cannot pass, e.g. a program name with `=`). */
function spawnCommand(file: string, args: string[], run: CommandRun): Promise<CommandOutcome> {
  const fds: number[] = [];
  const open = (p: string, flags: string, role: string) => {
    try {
      const fd = openSync(p, flags);
      fds.push(fd);
      return fd;
    } catch (err) {
      throw new StagingError(run.jobName, `cannot open ${p} as the command's ${role}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  };
  let stdio: Array<number | 'ignore'>;
  try {
    const stdin = run.stdin !== undefined ? open(run.stdin, 'r', 'stdin') : 'ignore';
    const stdout = open(run.stdout, 'w', 'stdout');
    stdio = [stdin, stdout, run.stderr === run.stdout ? stdout : open(run.stderr, 'w', 'stderr')];
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    return Promise.reject(err);
  }
  return new Promise<CommandOutcome>((resolve, reject) => {
    const child = spawn(file, args, { cwd: run.cwd, env: run.env, stdio, detached: true });
    // The child holds its own copies of the descriptors.
    for (const fd of fds) closeSync(fd);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const stop = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const limitMs = (run.timeLimitSec ?? 0) * 1000;
    const limitTimer =
      limitMs > 0
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, limitMs)
        : undefined;
    const onAbort = () => {
      aborted = true;
      stop();
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      if (limitTimer) clearTimeout(limitTimer);
      run.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      finish();
      reject(new SpawnFailure(file, err.code ?? err.message));
    });
    child.once('exit', (code, sig) => {
      finish();
      if (timedOut || aborted) {
        // Anything the command left running in its group goes too.
        if (killTimer) clearTimeout(killTimer);
        killGroup('SIGKILL');
      }
      if (aborted) return reject(run.signal?.reason ?? new Error('aborted'));
      if (timedOut) return reject(new ToolTimeoutError(run.jobName, run.timeLimitSec ?? 0));
      resolve({ exitCode: code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0), signal: sig });
    });
  });
}
