/**
 * The native spawner (src/native/spawner.c, built to dist/native/pcwl-spawner): one small
 * long-lived process that starts every tool command of this runner with posix_spawn (CWL v1.2
 * §Execution), many at once. A bash command shell forks itself and a subshell per command (162–187
 * page faults, ~6.9 ms CPU here); posix_spawn has vfork semantics (no page-table copy, ~3.6 ms).
 *
 * Protocol (declared here and in spawner.c): Node writes one record per job to the spawner's
 * stdin: its length in bytes as 8 decimal digits, then NUL-terminated fields: job id, cwd, stdin
 * ('' = /dev/null), stdout, stderr ('' = the stdout file), the number of environment entries,
 * the NAME=VALUE entries, the argv words. The spawner replies with lines `S <id> <pid>`,
 * `F <id> <cwd|stdin|stdout|stderr|program> <errno name>` (not started), `E <id> <status>` (ended:
 * the exit code or 128 + signal). Exact for any byte but NUL, which argv and environments cannot
 * hold. The spawner exits when its stdin closes and no command is running.
 *
 * `PARSL_CWL_SPAWNER=bash|native` forces the backend; by default the native one is used when the
 * binary was built (a C compiler at build time), else the bash command shells (commandShells.ts).
 *
 * Two ways to reach a spawner, same protocol: a spawner started from here (its stdin and stdout
 * are pipes), or the LAUNCH spawner that bin/parsl-cwl started before Node (`pcwl-spawner --launch
 * node ...`, see spawner.c): the command line's run then never forks this process, whose fork
 * (page tables of a ~50 MB process, then copy-on-write faults) costs ~15 ms on these machines. The
 * launch spawner listens on a random abstract Unix socket whose name the launcher hands over
 * (takeLaunchSpawnerSocket); it accepts one connection, from this process only.
 */
import { lineSplitter, setChildRef } from '../../childLines.js';
import { EnvironmentSettingError } from '../errors.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CommandRun } from './processRunner.js';

/** dist/native/pcwl-spawner, next to dist/src (this module is dist/src/cwl/execution/nativeSpawner.js). */
export const SPAWNER_BIN = fileURLToPath(new URL('../../../native/pcwl-spawner', import.meta.url));

export type SpawnerBackend = 'native' | 'bash';

/** Which backend starts commands: PARSL_CWL_SPAWNER, else native when the binary exists. */
export function spawnerBackend(): SpawnerBackend {
  const forced = (process.env.PARSL_CWL_SPAWNER ?? '').trim().toLowerCase();
  if (forced === 'bash') return 'bash';
  if (forced === 'native') {
    if (!existsSync(SPAWNER_BIN)) throw new EnvironmentSettingError('PARSL_CWL_SPAWNER', forced, `${SPAWNER_BIN} does not exist: build with a C compiler (npm run build), or unset PARSL_CWL_SPAWNER`);
    return 'native';
  }
  if (forced !== '') throw new EnvironmentSettingError('PARSL_CWL_SPAWNER', forced, "must be 'bash' or 'native' (or unset: native when it was built)");
  return existsSync(SPAWNER_BIN) ? 'native' : 'bash';
}

/**
 * Where dist/src/cli/launch.cjs leaves the launch spawner's socket name, taken out of the
 * environment (PARSL_CWL_SPAWNER_SOCKET) so no process this one starts believes it has a spawner.
 */
export const LAUNCH_SPAWNER_SOCKET = Symbol.for('parsl-cwl.launchSpawnerSocket');

/** The launch spawner's socket name, to the first caller only: it accepts a single connection. */
export function takeLaunchSpawnerSocket(): string | undefined {
  const slot = globalThis as Record<symbol, unknown>;
  const name = slot[LAUNCH_SPAWNER_SOCKET];
  delete slot[LAUNCH_SPAWNER_SOCKET];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Can the spawner pass this job exactly? Not with a NUL in any field (the protocol's separator). */
export function spawnerCanRun(run: CommandRun): boolean {
  if (run.argv.length === 0) return false;
  const fields = [run.cwd, run.stdin ?? '', run.stdout, run.stderr, ...run.argv];
  for (const [k, v] of Object.entries(run.env)) fields.push(k, v);
  return !fields.some((f) => f.includes('\0'));
}

/** What the pool hears about one job. */
export interface SpawnerJobEvents {
  /** The command started; it leads process group `pid`. */
  started(pid: number): void;
  /** It could not start: `what` is cwd, stdin, stdout, stderr or program; `errno` a name (ENOENT). */
  failed(what: string, errno: string): void;
  /** It ended with `status` (exit code, or 128 + signal). */
  ended(status: number): void;
  /**
   * The spawner died while the job was in it; `neverRan` when the spawner process itself could not
   * be started, or the launch spawner ended the connection before answering anything (then no job
   * of it started either).
   */
  lost(why: string, neverRan: boolean): void;
}

/** How to reach a spawner: start one from this binary, or connect to the launch spawner's socket. */
export type SpawnerSource = { bin: string } | { socket: string };

export class NativeSpawner {
  /** The spawner started from here (undefined for the launch spawner). */
  readonly proc: ChildProcess | undefined;
  /** The launch spawner's connection (undefined for a spawner started from here). */
  private readonly conn: Socket | undefined;
  private readonly jobs = new Map<number, SpawnerJobEvents>();
  private nextId = 1;
  private exited = false;
  /**
   * The spawner has answered at least once. It answers every request at once (S or F), so a launch
   * spawner whose connection ends before any answer started nothing: it refused this process (it
   * serves its parent only, and a `node` that runs the real Node as a CHILD, as Volta's shims do,
   * is not this process) or was not there. Its jobs then go to a spawner started from here.
   */
  private heard = false;

  constructor(
    private readonly onExit: (spawner: NativeSpawner) => void,
    source: SpawnerSource = { bin: SPAWNER_BIN },
  ) {
    const onData = lineSplitter((line) => {
      this.heard = true;
      this.onLine(line);
    });
    if ('socket' in source) {
      // Abstract namespace ('\0' + name): nothing on disk to create, clean up or race for.
      this.conn = connect({ path: `\0${source.socket}` });
      this.conn.setEncoding('utf8');
      this.conn.on('data', onData);
      this.conn.on('error', (err) => this.gone(`the launch spawner could not be reached (${err.message})`, !this.heard));
      this.conn.once('close', () => this.gone('the launch spawner closed its connection', !this.heard));
    } else {
      // Own process group (a terminal's Ctrl-C reaches the runner, which stops the jobs); an empty
      // environment: nothing of the spawner's reaches a tool anyway (each gets its request's envp).
      const proc = spawn(source.bin, [], { stdio: ['pipe', 'pipe', 'ignore'], env: {}, detached: true });
      this.proc = proc;
      proc.stdout?.setEncoding('utf8');
      proc.stdout?.on('data', onData);
      proc.stdin?.on('error', () => undefined); // EPIPE after the spawner died: 'exit' handles it
      proc.once('error', (err) => this.gone(`the native spawner could not run (${err.message})`, proc.pid === undefined));
      proc.once('exit', (code, sig) => this.gone(`the native spawner exited (${sig ?? `code ${String(code)}`})`, false));
    }
    this.setRef(false);
  }

  /** Reached through the launch spawner's socket. */
  get viaLaunch(): boolean {
    return this.conn !== undefined;
  }

  get alive(): boolean {
    return !this.exited;
  }

  start(run: CommandRun, events: SpawnerJobEvents): void {
    const id = this.nextId++;
    this.jobs.set(id, events);
    if (this.jobs.size === 1) this.setRef(true);
    const env = Object.entries(run.env).map(([k, v]) => `${k}=${v}`);
    const fields = [String(id), run.cwd, run.stdin ?? '', run.stdout, run.stderr === run.stdout ? '' : run.stderr, String(env.length), ...env, ...run.argv];
    const body = Buffer.from(fields.join('\0') + '\0');
    const record = Buffer.concat([Buffer.from(String(body.length).padStart(8, '0')), body]);
    if (this.conn) this.conn.write(record);
    else this.proc?.stdin?.write(record);
  }

  /** A spawner with no job must not keep this process alive; one with jobs must. */
  private setRef(on: boolean): void {
    if (this.proc) setChildRef(this.proc, on);
    else if (on) this.conn?.ref();
    else this.conn?.unref();
  }

  private onLine(line: string): void {
    const [tag, idText, a, b] = line.split(' ');
    const id = Number(idText);
    const job = this.jobs.get(id);
    if (!job) return;
    if (tag === 'S') {
      job.started(Number(a));
    } else if (tag === 'F') {
      this.done(id);
      job.failed(a ?? '', b ?? 'EIO');
    } else if (tag === 'E') {
      this.done(id);
      job.ended(Number(a));
    }
  }

  private done(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.setRef(false);
  }

  private gone(why: string, neverRan: boolean): void {
    if (this.exited) return;
    this.exited = true;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    this.onExit(this);
    for (const job of jobs) job.lost(why, neverRan);
  }

  /**
   * Stop it now. The launch spawner is told by closing the connection: it ends once its running
   * commands have (the pool kills their groups itself).
   */
  kill(): void {
    if (this.conn) {
      this.conn.destroy();
      return;
    }
    try {
      this.proc?.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
