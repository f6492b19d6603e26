/**
 * A long-lived bash that forks bash-task commands for one worker (PERF-NOTES.md: a spawn per task
 * from Node tops out near 330/s per process when two processes spawn at once; a shell forking the
 * commands runs about twice as fast, and needs no Node spawn per task at all).
 *
 * Node writes one NUL-separated record per command to the shell's stdin; the shell forks a subshell
 * in its own process group (`set -m`), with stdout/stderr redirected straight to the task's files,
 * and reports `S <pid>` when it started and `E <pid> <status>` when it ended. The behaviour matches
 * runTask's spawn path (taskRunner.ts): `bash` semantics, output files truncated and their parent
 * folders created, the env added to the worker's, a walltime or an abort SIGTERMs the whole process
 * group then SIGKILLs what is left after the grace period, and the promise settles only once the
 * group is gone. One difference: a task killed by a signal reports `128 + n` with the signal's name,
 * as does a command that exits with such a code itself (the shell cannot tell them apart).
 */
import { lineSplitter } from '../childLines.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import type { BashTaskSpec, TaskOutcome } from './executor.js';
import { TaskWalltimeExceededError } from './errors.js';
import { signalGroup } from '../processGroup.js';

// The `__pcwl_` names keep the loop's variables apart from the task's; the subshell unsets them.
const LOOP = String.raw`
set -m
while IFS= read -r -d '' __pcwl_cwd && IFS= read -r -d '' __pcwl_out && IFS= read -r -d '' __pcwl_err && IFS= read -r -d '' __pcwl_n; do
  __pcwl_env=()
  while [ "$__pcwl_n" -gt 0 ]; do IFS= read -r -d '' __pcwl_kv; __pcwl_env+=("$__pcwl_kv"); __pcwl_n=$((__pcwl_n-1)); done
  IFS= read -r -d '' __pcwl_cmd
  if [ "$__pcwl_err" = "&1" ]; then
    ( set +m; for __pcwl_kv in "${"${"}__pcwl_env[@]}"; do export "$__pcwl_kv"; done
      if [ -n "$__pcwl_cwd" ]; then cd -- "$__pcwl_cwd" || exit 1; fi
      unset __pcwl_cwd __pcwl_out __pcwl_err __pcwl_n __pcwl_kv __pcwl_env
      eval "$__pcwl_cmd" ) >"$__pcwl_out" 2>&1 </dev/null &
  else
    ( set +m; for __pcwl_kv in "${"${"}__pcwl_env[@]}"; do export "$__pcwl_kv"; done
      if [ -n "$__pcwl_cwd" ]; then cd -- "$__pcwl_cwd" || exit 1; fi
      unset __pcwl_cwd __pcwl_out __pcwl_err __pcwl_n __pcwl_kv __pcwl_env
      eval "$__pcwl_cmd" ) >"$__pcwl_out" 2>"$__pcwl_err" </dev/null &
  fi
  __pcwl_pid=$!
  printf 'S %s\n' "$__pcwl_pid"
  wait "$__pcwl_pid"
  printf 'E %s %s\n' "$__pcwl_pid" "$?"
done
`;

interface Pending {
  spec: BashTaskSpec;
  signal: AbortSignal | undefined;
  resolve: (o: TaskOutcome) => void;
  reject: (e: unknown) => void;
  pid?: number;
  killedFor?: 'walltime' | 'abort';
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

export interface ShellSpawnerOptions {
  /** How long a killed process group gets between SIGTERM and SIGKILL (default 1000 ms). */
  killGraceMs?: number;
}

/** Thrown (as a plain Error, a bug or a killed shell) when the shell itself went away mid-task. */
export class ShellExitedError extends Error {}

export class ShellSpawner {
  private shell: ChildProcess | undefined;
  /** Commands written to the shell, in order; the head is the one running. */
  private readonly inFlight: Pending[] = [];
  private closed = false;
  private readonly killGraceMs: number;

  constructor(options: ShellSpawnerOptions = {}) {
    this.killGraceMs = options.killGraceMs ?? 1000;
  }

  /** Run one bash task; commands queue behind each other in the shell (one runs at a time). */
  run(spec: BashTaskSpec, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this.closed) return Promise.reject(new ShellExitedError('the shell spawner was closed'));
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('task aborted'));
    const out = outputPath(spec.stdout, spec.cwd);
    const err = spec.stderr !== undefined && spec.stderr === spec.stdout ? '&1' : outputPath(spec.stderr, spec.cwd);
    const env = spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : [];
    const record = [spec.cwd ?? '', out, err, String(env.length), ...env, spec.command].join('\0') + '\0';
    return new Promise<TaskOutcome>((resolve, reject) => {
      const p: Pending = { spec, signal, resolve, reject };
      if (signal) {
        p.onAbort = () => this.kill(p, 'abort');
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.inFlight.push(p);
      this.ensureShell().stdin?.write(record);
    });
  }

  /** Kill the running command's group and end the shell; pending commands reject. Safe twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const head = this.inFlight[0];
    if (head?.pid !== undefined) signalGroup(head.pid, 'SIGKILL');
    this.shell?.stdin?.end();
    this.shell?.kill('SIGKILL');
    this.failAll(new ShellExitedError('the shell spawner was closed'));
  }

  private ensureShell(): ChildProcess {
    if (this.shell) return this.shell;
    // stderr is ignored: job-control notices land there; a task's own errors go to its files.
    const shell = spawn('/bin/bash', ['--noprofile', '--norc', '-c', LOOP], { stdio: ['pipe', 'pipe', 'ignore'] });
    shell.stdout?.setEncoding('utf8');
    shell.stdout?.on('data', lineSplitter((line) => this.onLine(line)));
    shell.stdin?.on('error', () => undefined); // EPIPE after the shell died: 'exit' handles it
    shell.once('exit', (code, sig) => {
      if (this.shell === shell) this.shell = undefined;
      this.failAll(new ShellExitedError(`the task shell exited (${sig ?? `code ${code}`}) while running a command`));
    });
    this.shell = shell;
    return shell;
  }

  private onLine(line: string): void {
    const [tag, pidText, statusText] = line.split(' ');
    const head = this.inFlight[0];
    if (!head) return;
    if (tag === 'S') {
      head.pid = Number(pidText);
      if (head.spec.walltimeSec !== undefined) head.timer = setTimeout(() => this.kill(head, 'walltime'), head.spec.walltimeSec * 1000);
      if (head.killedFor) signalGroup(head.pid, 'SIGTERM'); // aborted before it started
    } else if (tag === 'E') {
      this.inFlight.shift();
      this.settle(head, Number(statusText));
    }
  }

  private kill(p: Pending, why: 'walltime' | 'abort'): void {
    if (p.killedFor) return;
    p.killedFor = why;
    if (p.pid !== undefined) signalGroup(p.pid, 'SIGTERM');
  }

  private settle(p: Pending, status: number): void {
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    if (!p.killedFor) {
      const sig = status > 128 ? signalName(status - 128) : null;
      p.resolve({ kind: 'bash', exitCode: status, signal: sig, stdout: p.spec.stdout, stderr: p.spec.stderr });
      return;
    }
    const failure = p.killedFor === 'walltime' ? new TaskWalltimeExceededError(p.spec.command, p.spec.walltimeSec ?? 0) : (p.signal?.reason ?? new Error('task aborted'));
    const pid = p.pid;
    if (pid === undefined) {
      p.reject(failure);
      return;
    }
    void reapGroup(pid, this.killGraceMs).then(() => p.reject(failure));
  }

  private failAll(err: Error): void {
    const pending = this.inFlight.splice(0);
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
      if (p.pid !== undefined) signalGroup(p.pid, 'SIGKILL');
      p.reject(err);
    }
  }
}

/** Absolute path for a task's stdout/stderr (parent folder created, as runTask does); /dev/null if none. */
function outputPath(path: string | undefined, cwd: string | undefined): string {
  if (path === undefined) return '/dev/null';
  const abs = resolvePath(cwd ?? '.', path);
  mkdirSync(dirname(abs), { recursive: true });
  return abs;
}


async function reapGroup(pgid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (signalGroup(pgid, 0)) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function signalName(n: number): NodeJS.Signals | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}
