/**
 * A pool of long-lived bash processes that start CWL tool commands (CWL v1.2 §Execution) without
 * a `child_process.spawn` of this Node process per job. Forking a ~100 MB Node runner costs
 * 3.5–6.5 ms per job here; a small bash forks in a fraction of that (PERF-NOTES.md: a long-lived
 * shell forking commands runs about twice as fast as Node spawning them). Same idea as
 * src/executors/shellSpawner.ts (bash tasks), but with exact argv and an exact environment.
 *
 * Protocol: Node writes one record per job to an idle shell's stdin: its length in bytes as 8
 * decimal digits, then bash assignments with every value single-quoted (exact for any byte but NUL,
 * which argv and environments cannot hold anyway): mode ('x' export, 'e' env -i), cwd, stdin,
 * stdout, stderr ('&1' = same file as stdout), the env entries NAME=VALUE and the argv words. The
 * shell reads it with two `read -N` calls (one read(2) each) and evals it: bash reads a pipe one
 * byte per read(2) with `read -d`, which cost ~500 system calls per job with the old NUL-separated
 * record.
 * The shell forks a subshell in its own process group (`set -m`) that enters cwd, redirects the
 * streams to the job's files, finds the program on the job's PATH, exports exactly the job's
 * variables and `exec -a argv0 program args` (bash's start-up exports are dropped and SHLVL is
 * made read-only and unset once, so exec adds nothing). A variable name bash would treat as its
 * own (RANDOM, IFS, BASH_*, ...) sends the job through `exec env -i -- NAME=VALUE... argv...`
 * instead, one exec more. The tool sees only what executeJob gave it.
 * The shell reports `S <pid>` once forked, `F <pid> <what> <detail>` (on a spare descriptor) when
 * the subshell could not open a stream or find the program, and `E <pid> <status>` when it ended.
 * One job runs per shell at a time; the pool grows to the number of jobs running at once.
 */
import { lineSplitter, setChildRef } from '../../childLines.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { StagingError, ToolTimeoutError } from '../errors.js';
import { SpawnFailure, type CommandOutcome, type CommandRun } from './processRunner.js';
import { cleanupSignalHandler, signalGroup, signalOwnedElsewhere } from '../../processGroup.js';
import { NativeSpawner, SPAWNER_BIN, spawnerBackend, spawnerCanRun, takeLaunchSpawnerSocket, type SpawnerBackend } from './nativeSpawner.js';

// `__p_` names keep the loop's variables apart; none reaches the tool (env -i).
const LOOP = String.raw`
# Nothing of the shell's own may reach a tool: drop what bash exported at start-up, and make SHLVL
# a read-only unset variable (exec would otherwise set and export it).
unset PWD OLDPWD SHLVL _; declare -r SHLVL; export -n __P_ENV
set -m
__p_fail() { printf 'F %s %s %s\n' "$BASHPID" "$1" "$2" >&3; exit 127; }
# The shell's locale is C (its environment has no LANG/LC_*), so read -N counts bytes.
while IFS= read -r -N 8 __p_n && IFS= read -r -N "$((10#$__p_n))" __p_rec; do
  eval "$__p_rec"
  (
    set +m
    exec 3>&1
    # The shell's own stderr is /dev/null: a failed redirection says nothing, it reports F.
    cd -- "$__p_cwd" || __p_fail cwd ENOENT
    exec <"$__p_in" || __p_fail stdin open
    exec >"$__p_out" || __p_fail stdout open
    if [ "$__p_err" = '&1' ]; then exec 2>&1; else exec 2>"$__p_err" || __p_fail stderr open; fi
    # execvp semantics on the job's PATH (an empty entry is the working directory).
    __p_prog=${"${"}__p_argv[0]}
    __p_found=ENOENT
    if [[ $__p_prog == */* ]]; then
      __p_c=$__p_prog
      if [[ -f $__p_c && -x $__p_c ]]; then __p_found=; elif [[ -e $__p_c ]]; then __p_found=EACCES; fi
    else
      __p_path=/usr/bin:/bin
      for __p_w in "${"${"}__p_env[@]}"; do [[ $__p_w == PATH=* ]] && __p_path=${"${"}__p_w#PATH=}; done
      # Word splitting drops one trailing empty field: the extra ':' keeps a trailing empty entry.
      __p_path+=:; set -f; IFS=:
      for __p_d in $__p_path; do
        __p_c=${"${"}__p_d:-.}/$__p_prog
        if [[ -f $__p_c && -x $__p_c ]]; then __p_found=; break; elif [[ -e $__p_c ]]; then __p_found=EACCES; fi
      done
    fi
    [ -z "$__p_found" ] || __p_fail program "$__p_found"
    exec 3>&-
    if [ "$__p_mode" = x ]; then
      # Exported variables are exactly the job's; exec adds none (SHLVL is read-only and unset).
      [ "${"${"}#__p_env[@]}" -eq 0 ] || export "${"${"}__p_env[@]}"
      exec -a "$__p_prog" "$__p_c" "${"${"}__p_argv[@]:1}"
    fi
    exec "$__P_ENV" -i -- "${"${"}__p_env[@]}" "${"${"}__p_argv[@]}"
  ) &
  __p_pid=$!
  printf 'S %s\n' "$__p_pid"
  wait "$__p_pid"
  printf 'E %s %s\n' "$__p_pid" "$?"
done
`;

/** Where `env` lives; without it (or for argv it cannot pass) processRunner spawns from Node. */
const ENV_BIN = ['/usr/bin/env', '/bin/env'].find((p) => existsSync(p));

export function shellsAvailable(): boolean {
  return ENV_BIN !== undefined;
}

/** Can this job go through a shell? `env` would read a program name containing `=` as a variable. */
export function shellCanRun(run: CommandRun): boolean {
  return ENV_BIN !== undefined && run.argv.length > 0 && !(run.argv[0] as string).includes('=') && !run.argv.some((w) => w.includes('\0'));
}

interface Job {
  run: CommandRun;
  killGraceMs: number;
  resolve: (o: CommandOutcome) => void;
  reject: (e: unknown) => void;
  pid?: number;
  failure?: Error;
  stopFor?: 'timeout' | 'abort';
  limitTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  onAbort?: () => void;
}

class CommandShell {
  readonly proc: ChildProcess;
  job: Job | undefined;

  constructor(private readonly pool: CommandShellPool) {
    // Own process group: a terminal's Ctrl-C reaches this process (which stops the job), not the
    // shell mid-job. stderr is ignored: job-control notices land there, a tool's go to its files.
    this.proc = spawn('/bin/bash', ['--noprofile', '--norc', '-c', LOOP], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { __P_ENV: ENV_BIN ?? 'env' },
      detached: true,
    });
    this.proc.stdout?.setEncoding('utf8');
    this.proc.stdout?.on('data', lineSplitter((line) => this.onLine(line)));
    this.proc.stdin?.on('error', () => undefined); // EPIPE after the shell died: 'exit' handles it
    this.proc.once('exit', (code, sig) => this.pool.shellExited(this, `the command shell exited (${sig ?? `code ${String(code)}`})`));
  }

  start(job: Job): void {
    const { run } = job;
    this.job = job;
    this.setRef(true);
    const env = Object.entries(run.env).map(([k, v]) => quote(`${k}=${v}`));
    const err = run.stderr === run.stdout ? '&1' : run.stderr;
    const record =
      `__p_mode=${exportable(run.env) ? 'x' : 'e'} __p_cwd=${quote(run.cwd)} __p_in=${quote(run.stdin ?? '/dev/null')} __p_out=${quote(run.stdout)} __p_err=${quote(err)}\n` +
      `__p_env=(${env.join(' ')}) __p_argv=(${run.argv.map(quote).join(' ')})\n`;
    this.proc.stdin?.write(String(Buffer.byteLength(record)).padStart(8, '0') + record);
  }

  /** Idle shells must not keep the process alive; busy ones must. */
  setRef(on: boolean): void {
    setChildRef(this.proc, on);
  }

  private onLine(line: string): void {
    const job = this.job;
    if (!job) return;
    const [tag, pid, a, b] = line.split(' ');
    if (tag === 'S') {
      job.pid = Number(pid);
      this.pool.groups.add(job.pid);
      if (job.stopFor) signalGroup(job.pid, 'SIGTERM'); // stopped before it started
    } else if (tag === 'F') {
      job.failure = a === 'program' ? new SpawnFailure(job.run.argv[0] as string, b ?? 'ENOENT') : failureFor(job.run, a ?? '');
    } else if (tag === 'E') {
      this.job = undefined;
      this.pool.finished(this, job, Number(a));
    }
  }
}

/**
 * Variables bash can export as they are: identifiers that are not bash's own dynamic, read-only or
 * behaviour-changing variables, nor the loop's. Any other name goes through `env -i`.
 */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BASH_OWN = /^(BASH.*|SHLVL|RANDOM|SRANDOM|SECONDS|LINENO|EPOCHSECONDS|EPOCHREALTIME|UID|EUID|PPID|GROUPS|FUNCNAME|HISTCMD|DIRSTACK|PIPESTATUS|SHELLOPTS|OPTIND|OPTARG|OPTERR|POSIXLY_CORRECT|IFS|GLOBIGNORE|__p_.*|__P_ENV)$/;

function exportable(env: Record<string, string>): boolean {
  for (const name of Object.keys(env)) if (!PLAIN_NAME.test(name) || BASH_OWN.test(name)) return false;
  return true;
}

/** A bash single-quoted word: exact for every byte but NUL (`'` becomes `'\\''`). */
function quote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** A stream the subshell could not open, or a working directory it could not enter. */
function failureFor(run: CommandRun, what: string): Error {
  const file = what === 'stdin' ? run.stdin : what === 'stdout' ? run.stdout : what === 'stderr' ? run.stderr : run.cwd;
  const role = what === 'cwd' ? 'working directory' : what;
  return new StagingError(run.jobName, `cannot open ${file ?? '/dev/null'} as the command's ${role} (missing, or not permitted)`);
}

/**
 * Starts commands through bash command shells, or through the native spawner (nativeSpawner.ts)
 * when it was built or PARSL_CWL_SPAWNER=native: same outcomes, errors, time limits and clean-up.
 */
export interface CommandShellPoolOptions {
  /** The native spawner's binary (default dist/native/pcwl-spawner; tests give a broken one). */
  spawnerBin?: string;
}

export class CommandShellPool {
  /** 'native' until the spawner binary cannot be started here (unless PARSL_CWL_SPAWNER forces it). */
  private backendNow: SpawnerBackend = spawnerBackend();
  private readonly forced = (process.env.PARSL_CWL_SPAWNER ?? '').trim() !== '';

  /**
   * The launch spawner's socket (bin/parsl-cwl started it before Node), until it is connected to:
   * then no command of this process is spawned from Node, not even a lone first one.
   */
  private launchSocket: string | undefined;

  constructor(private readonly options: CommandShellPoolOptions = {}) {
    if (this.backendNow === 'native' && options.spawnerBin === undefined) this.launchSocket = takeLaunchSpawnerSocket();
  }

  get backend(): SpawnerBackend {
    return this.backendNow;
  }

  /** The one native spawner for every job in flight (backend 'native'), started on first need. */
  private spawner: NativeSpawner | undefined;
  private readonly idle: CommandShell[] = [];
  private readonly shells = new Set<CommandShell>();
  /** Process groups of commands running now: killed if this process exits or is interrupted. */
  readonly groups = new Set<number>();
  private hooked = false;
  /** Commands started so far, through a shell or not. */
  private started = 0;
  /** Jobs that announced a command (`jobStarting`) and have not ended. */
  private jobsInFlight = 0;

  /**
   * executeJob announces each job as it starts; the returned function says it ended. A shell is
   * started ahead of need (its start-up overlaps the job's staging) once the pool will be used:
   * another job is in flight, or a command ran before. A lone first job gets no shell at all.
   */
  jobStarting(): () => void {
    this.jobsInFlight++;
    if (this.jobsInFlight > 1 || this.started > 0 || this.launchSocket !== undefined) this.warm();
    let ended = false;
    return () => {
      if (!ended) this.jobsInFlight--;
      ended = true;
    };
  }

  /**
   * The first command of a process, when no other job is in flight, is spawned from Node with its
   * streams opened here: starting a shell for one command costs more than it saves (a single tool
   * run: the bash spawn, its start-up and its fork are all on the critical path). Every later or
   * concurrent command goes through a shell.
   */
  private lone(): boolean {
    if (this.launchSocket !== undefined || this.spawner?.viaLaunch) return false;
    return this.started === 0 && this.shells.size === 0 && this.spawner === undefined && this.jobsInFlight <= 1;
  }

  /** Can this job go through the pool exactly (else processRunner spawns it from Node)? */
  canRun(run: CommandRun): boolean {
    return this.backend === 'native' ? spawnerCanRun(run) : shellCanRun(run);
  }

  /** Commands handed to the pool that have not settled (started or not), and who waits for none. */
  private readonly unsettled = new Set<Job>();
  private idleWaiters: Array<() => void> = [];

  /**
   * Resolves once every command handed to the pool has ended. After a cancel that is when the
   * stopped commands are gone: they get SIGTERM and, after the grace period, SIGKILL. The CLI
   * awaits it before exiting, so an interrupted tool gets its grace period (src/cli/run.ts).
   */
  whenIdle(): Promise<void> {
    if (this.unsettled.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  run(run: CommandRun, killGraceMs: number): Promise<CommandOutcome> {
    return new Promise<CommandOutcome>((resolve, reject) => {
      const job: Job = { run, killGraceMs, resolve, reject };
      this.unsettled.add(job);
      const stop = (why: 'timeout' | 'abort') => {
        if (job.stopFor) return;
        job.stopFor = why;
        if (job.pid !== undefined) signalGroup(job.pid, 'SIGTERM');
        job.killTimer = setTimeout(() => job.pid !== undefined && signalGroup(job.pid, 'SIGKILL'), killGraceMs);
        job.killTimer.unref();
      };
      const limitMs = (run.timeLimitSec ?? 0) * 1000;
      if (limitMs > 0) job.limitTimer = setTimeout(() => stop('timeout'), limitMs);
      if (run.signal) {
        job.onAbort = () => stop('abort');
        run.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.hook();
      const direct = this.lone();
      this.started++;
      if (direct) return this.spawnDirect(job);
      if (this.backend === 'native') return this.spawnNative(job);
      const shell = this.idle.pop() ?? this.newShell();
      shell.start(job);
    });
  }

  /** One command spawned from Node in its own process group, streams to files (see `lone`). */
  private spawnDirect(job: Job): void {
    const { run } = job;
    const fds: number[] = [];
    try {
      // The same failures, classes and messages as the shell reports (F lines).
      if (!statSync(run.cwd, { throwIfNoEntry: false })?.isDirectory()) throw failureFor(run, 'cwd');
      const open = (file: string, flags: string, what: string): number => {
        try {
          const fd = openSync(path.resolve(run.cwd, file), flags);
          fds.push(fd);
          return fd;
        } catch {
          throw failureFor(run, what);
        }
      };
      const stdin = open(run.stdin ?? '/dev/null', 'r', 'stdin');
      const stdout = open(run.stdout, 'w', 'stdout');
      const stderr = run.stderr === run.stdout ? stdout : open(run.stderr, 'w', 'stderr');
      const [file, ...args] = run.argv as [string, ...string[]];
      const child = spawn(file, args, { cwd: run.cwd, env: run.env, stdio: [stdin, stdout, stderr], detached: true });
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (job.pid !== undefined) this.groups.delete(job.pid);
        job.failure = new SpawnFailure(file, err.code ?? err.message);
        this.settle(job, 127);
      });
      child.once('exit', (code, sig) => this.settle(job, code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
      if (child.pid !== undefined) {
        job.pid = child.pid;
        this.groups.add(child.pid);
        if (job.stopFor) signalGroup(child.pid, 'SIGTERM'); // stopped before it started
      }
    } catch (err) {
      this.settle(job, 127, err as Error);
    } finally {
      // The child holds its own copies of the descriptors.
      for (const fd of fds) closeSync(fd);
    }
  }

  /** One command through the native spawner: its replies drive the same settle as the shells'. */
  private spawnNative(job: Job): void {
    const spawner = this.nativeSpawner();
    spawner.start(job.run, {
      started: (pid) => {
        job.pid = pid;
        this.groups.add(pid);
        if (job.stopFor) signalGroup(pid, 'SIGTERM'); // stopped before it started
      },
      failed: (what, errno) => {
        job.failure = what === 'program' ? new SpawnFailure(job.run.argv[0] as string, errno) : failureFor(job.run, what);
        this.settle(job, 127);
      },
      ended: (status) => this.settle(job, status),
      lost: (why, neverRan) => {
        // The launch spawner was not there after all: a spawner started from here takes the job.
        if (neverRan && spawner.viaLaunch) return this.spawnNative(job);
        if (neverRan && !this.forced) {
          // A binary that cannot run on this machine (built elsewhere, no longer executable): the
          // job never started, so it goes to the bash shells, and so does every later one.
          this.backendNow = 'bash';
          if (shellCanRun(job.run)) return (this.idle.pop() ?? this.newShell()).start(job);
        }
        if (job.pid !== undefined) signalGroup(job.pid, 'SIGKILL');
        this.settle(job, -1, new Error(`${job.run.jobName}: ${why} while running the tool`));
      },
    });
  }

  private nativeSpawner(): NativeSpawner {
    if (this.spawner?.alive) return this.spawner;
    // The launch spawner is connected to once; if it is lost, spawners started from here follow.
    const source = this.launchSocket !== undefined ? { socket: this.launchSocket } : { bin: this.options.spawnerBin ?? SPAWNER_BIN };
    this.launchSocket = undefined;
    const spawner = new NativeSpawner((gone) => {
      if (this.spawner === gone) this.spawner = undefined;
    }, source);
    this.spawner = spawner;
    return spawner;
  }

  /** Start an idle shell (or the native spawner) ahead of need, so its start-up overlaps the job's staging. */
  warm(): void {
    if (this.backend === 'native') {
      this.nativeSpawner();
      return;
    }
    if (this.idle.length > 0) return;
    const shell = this.newShell();
    shell.setRef(false);
    this.idle.push(shell);
  }

  private newShell(): CommandShell {
    const shell = new CommandShell(this);
    this.shells.add(shell);
    return shell;
  }

  finished(shell: CommandShell, job: Job, status: number): void {
    this.settle(job, status);
    shell.setRef(false);
    this.idle.push(shell);
  }

  shellExited(shell: CommandShell, why: string): void {
    this.shells.delete(shell);
    const i = this.idle.indexOf(shell);
    if (i >= 0) this.idle.splice(i, 1);
    const job = shell.job;
    shell.job = undefined;
    if (!job) return;
    if (job.pid !== undefined) signalGroup(job.pid, 'SIGKILL');
    this.settle(job, -1, new Error(`${job.run.jobName}: ${why} while running the tool`));
  }

  private settle(job: Job, status: number, lost?: Error): void {
    this.unsettled.delete(job);
    if (this.unsettled.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
    if (job.limitTimer) clearTimeout(job.limitTimer);
    if (job.killTimer) clearTimeout(job.killTimer);
    if (job.onAbort) job.run.signal?.removeEventListener('abort', job.onAbort);
    if (job.pid !== undefined) {
      // Anything a stopped command left running in its group goes too.
      if (job.stopFor) signalGroup(job.pid, 'SIGKILL');
      this.groups.delete(job.pid);
    }
    if (job.stopFor === 'abort') return job.reject(job.run.signal?.reason ?? new Error('aborted'));
    if (job.stopFor === 'timeout') return job.reject(new ToolTimeoutError(job.run.jobName, job.run.timeLimitSec ?? 0));
    if (lost) return job.reject(lost);
    if (job.failure) return job.reject(job.failure);
    job.resolve({ exitCode: status, signal: status > 128 ? signalName(status - 128) : null });
  }

  /** Kill running commands' groups and every shell, synchronously (process exit, signals). */
  private readonly killAll = (): void => {
    for (const pgid of this.groups) signalGroup(pgid, 'SIGKILL');
    this.groups.clear();
    this.spawner?.kill();
    for (const shell of this.shells) {
      try {
        shell.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  /**
   * On SIGINT/SIGTERM/SIGHUP nobody else handles: clean up, then let the signal do what it would.
   * A program's own handler (the CLI's) cancels the run instead, and cancelled commands get their
   * grace period; the 'exit' hook still kills whatever is left when the process ends.
   */
  private readonly onSignal = cleanupSignalHandler((sig: NodeJS.Signals): void => {
    if (signalOwnedElsewhere(sig)) return;
    this.killAll();
    this.unhook();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  });

  private hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    process.on('exit', this.killAll);
    for (const sig of SIGNALS) process.on(sig, this.onSignal);
  }

  private unhook(): void {
    this.hooked = false;
    process.off('exit', this.killAll);
    for (const sig of SIGNALS) process.off(sig, this.onSignal);
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];


function signalName(n: number): NodeJS.Signals | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}
