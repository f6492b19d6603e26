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
 */
import { lineSplitter, setChildRef } from '../../childLines.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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
    if (!existsSync(SPAWNER_BIN)) throw new Error(`PARSL_CWL_SPAWNER=native, but ${SPAWNER_BIN} does not exist: build with a C compiler (npm run build), or unset PARSL_CWL_SPAWNER`);
    return 'native';
  }
  if (forced !== '') throw new Error(`PARSL_CWL_SPAWNER must be 'bash' or 'native', not '${forced}'`);
  return existsSync(SPAWNER_BIN) ? 'native' : 'bash';
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
   * be started (then no job of it started either).
   */
  lost(why: string, neverRan: boolean): void;
}

export class NativeSpawner {
  readonly proc: ChildProcess;
  private readonly jobs = new Map<number, SpawnerJobEvents>();
  private nextId = 1;
  private exited = false;

  constructor(
    private readonly onExit: (spawner: NativeSpawner) => void,
    bin: string = SPAWNER_BIN,
  ) {
    // Own process group (a terminal's Ctrl-C reaches the runner, which stops the jobs); an empty
    // environment: nothing of the spawner's reaches a tool anyway (each gets its request's envp).
    this.proc = spawn(bin, [], { stdio: ['pipe', 'pipe', 'ignore'], env: {}, detached: true });
    this.proc.stdout?.setEncoding('utf8');
    this.proc.stdout?.on('data', lineSplitter((line) => this.onLine(line)));
    this.proc.stdin?.on('error', () => undefined); // EPIPE after the spawner died: 'exit' handles it
    this.proc.once('error', (err) => this.gone(`the native spawner could not run (${err.message})`, this.proc.pid === undefined));
    this.proc.once('exit', (code, sig) => this.gone(`the native spawner exited (${sig ?? `code ${String(code)}`})`, false));
    this.setRef(false);
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
    this.proc.stdin?.write(Buffer.concat([Buffer.from(String(body.length).padStart(8, '0')), body]));
  }

  /** A spawner with no job must not keep this process alive; one with jobs must. */
  private setRef(on: boolean): void {
    setChildRef(this.proc, on);
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

  kill(): void {
    try {
      this.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
