/**
 * The one supervisor of the processes this program starts for its users: CWL tool commands and
 * bash apps, locally and on HTEX workers. It owns what every start needs around it, so each
 * caller gets the same kill semantics:
 *
 * - a time limit or an abort sends SIGTERM to the process's whole group, then SIGKILL after the
 *   grace period (one setting, `killGraceMs`);
 * - when the main process ends, whatever it left running in its group is SIGKILLed, and the run
 *   settles only once the group is empty: nothing a job started outlives its report;
 * - the groups running now are a registry: when this process exits, or gets SIGINT/SIGTERM/SIGHUP
 *   that nobody else handles, every group is SIGKILLed;
 * - `whenIdle` says when every process started has settled (the CLI waits for it before exiting,
 *   so an interrupted tool gets its grace period).
 *
 * Starting is a backend's (backend.ts): the native spawner when it was built, else Node's spawn.
 */
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Backend, BackendName, Rusage, StartEvents, StartRequest } from './backend.js';
import { EnvironmentSettingError, ProcessLostError, ProcessStartFailedError, type StartStep } from './errors.js';
import { cleanupSignalHandler, groupGone, signalGroup, signalOwnedElsewhere } from './groups.js';
import { NativeBackend, SPAWNER_BIN } from './nativeBackend.js';
import type { ProcessSlots } from './slots.js';
import { SpawnBackend } from './spawnBackend.js';

/** One process to run, and how it may be stopped. */
export interface ProcessSpec extends StartRequest {
  /** Stop it this many ms after it started (SIGTERM, then SIGKILL after the grace period); 0 or absent: never. */
  timeLimitMs?: number | undefined;
  /** Aborting stops it the same way; the run then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** After SIGTERM, how long the group gets before SIGKILL (default: the configured one). */
  killGraceMs?: number | undefined;
  /**
   * Start only when one of these slots is free (held until the process has settled). The time
   * limit counts from the start; an abort while waiting rejects without starting anything.
   */
  slots?: ProcessSlots | undefined;
}

export interface ProcessOutcome {
  /** The exit code; 128 + n when signal n killed it. */
  exitCode: number;
  signal: NodeJS.Signals | null;
  /** It was stopped at its time limit (the caller reports this in its own terms). */
  timedOut: boolean;
  /** Where the backend measures it (the native spawner does). */
  rusage?: Rusage;
  /** From the request to start it to the report that its main process ended, in ms (every backend). */
  wallMs?: number;
}

/** The grace period when neither the caller nor `configureProcesses` gives one. */
export const DEFAULT_KILL_GRACE_MS = 2000;

/** How long a group emptied with SIGKILL may take to disappear (see groupGone). */
const GONE_BOUND_MS = 1000;

export interface SupervisorOptions {
  /** 'native' or 'node'; default: PARSL_CWL_SPAWNER, else native when the spawner was built. */
  backend?: BackendName;
  /** The native spawner's binary (default dist/native/pcwl-spawner). */
  spawnerBin?: string;
  /** The launch spawner's socket (bin/parsl-cwl started it before Node). */
  launchSpawnerSocket?: string;
}

/** Which backend PARSL_CWL_SPAWNER asks for, and whether it insists (no fallback). */
export function backendFromEnvironment(): { name: BackendName; forced: boolean } {
  const forced = (process.env.PARSL_CWL_SPAWNER ?? '').trim().toLowerCase();
  if (forced === 'node') return { name: 'node', forced: true };
  if (forced === 'native') {
    if (!existsSync(SPAWNER_BIN)) throw new EnvironmentSettingError('PARSL_CWL_SPAWNER', forced, `${SPAWNER_BIN} does not exist: build with a C compiler (npm run build), or unset PARSL_CWL_SPAWNER`);
    return { name: 'native', forced: true };
  }
  if (forced !== '') throw new EnvironmentSettingError('PARSL_CWL_SPAWNER', forced, "must be 'native' or 'node' (or unset: native when it was built)");
  return { name: existsSync(SPAWNER_BIN) ? 'native' : 'node', forced: false };
}

interface Live {
  spec: ProcessSpec;
  graceMs: number;
  resolve: (o: ProcessOutcome) => void;
  reject: (e: unknown) => void;
  pgid?: number;
  /** When it was handed to the backend (performance.now()): wall time counts from the start request, so it includes the start itself (about a millisecond) and never undercounts. */
  startedAtMs?: number;
  stopFor?: 'timeLimit' | 'abort';
  /** The grace period ran out before the process had started. */
  killDue?: boolean;
  limitTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  onAbort?: () => void;
  /** Lets the next queued process start (when the supervisor queues for its backend). */
  next?: () => void;
  /** Withdraws the start while it waits for a slot (spec.slots). */
  withdraw?: () => void;
  /** Gives back the slot it holds (spec.slots). */
  release?: () => void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class Supervisor {
  private backendNow: Backend | undefined;
  private forced = false;
  /** Process groups of processes that have not settled: killed if this process ends. */
  private readonly groups = new Set<number>();
  private readonly live = new Set<Live>();
  private idleWaiters: Array<() => void> = [];
  private hooked = false;
  /** Settles when the last queued process handed to a backend that cannot queue has settled. */
  private queueTail: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: SupervisorOptions = {},
    private readonly defaultGraceMs: () => number = () => DEFAULT_KILL_GRACE_MS,
  ) {}

  /** The backend, made on first need (reading PARSL_CWL_SPAWNER then). */
  get backend(): Backend {
    if (this.backendNow) return this.backendNow;
    let name = this.options.backend;
    if (name === undefined) ({ name, forced: this.forced } = backendFromEnvironment());
    else this.forced = true;
    this.backendNow = name === 'native' ? new NativeBackend(this.options.spawnerBin ?? SPAWNER_BIN, this.options.launchSpawnerSocket) : new SpawnBackend();
    return this.backendNow;
  }

  /** Get the backend ready for a start soon (its start-up then overlaps the caller's own work). */
  warm(): void {
    this.backend.warm();
  }

  /** Resolves once every process started has settled: at once when none is running. */
  whenIdle(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Start a process and supervise it to its end. Resolves with how it ended once its process group
   * is empty; rejects with ProcessStartFailedError (not started), the abort reason (aborted), or
   * ProcessLostError (the backend died under it).
   */
  run(spec: ProcessSpec): Promise<ProcessOutcome> {
    if (spec.signal?.aborted) return Promise.reject(spec.signal.reason);
    const program = spec.argv[0];
    if (program === undefined) return Promise.reject(new ProcessStartFailedError('program', '(empty command line)', 'ENOENT'));
    return new Promise<ProcessOutcome>((resolve, reject) => {
      const live: Live = { spec, graceMs: spec.killGraceMs ?? this.defaultGraceMs(), resolve, reject };
      this.live.add(live);
      this.hook();
      if (spec.signal) {
        live.onAbort = () => this.stop(live, 'abort');
        spec.signal.addEventListener('abort', live.onAbort, { once: true });
      }
      const slots = spec.slots;
      if (slots === undefined) return this.begin(live);
      let begun = false;
      const withdraw = slots.acquire(() => {
        begun = true;
        live.withdraw = undefined;
        live.release = () => slots.release();
        this.begin(live);
      });
      // A free slot began it already; else it waits, and an abort withdraws it.
      if (!begun) live.withdraw = withdraw;
    });
  }

  /** Hand the process to the backend (in order after earlier queued scripts, for a backend that cannot queue). */
  private begin(live: Live): void {
    const spec = live.spec;
    const backend = this.backend;
    if (spec.queuedScript === undefined || backend.queues) return this.startOn(backend, live);
    // One at a time, in order: this one starts when the one before has settled.
    const before = this.queueTail;
    this.queueTail = new Promise((next) => (live.next = next));
    void before.then(() => {
      if (live.stopFor === 'abort') return this.settle(live, () => live.reject(spec.signal?.reason ?? new Error('aborted')));
      this.startOn(this.backend, live);
    });
  }

  private startOn(backend: Backend, live: Live): void {
    live.startedAtMs = performance.now();
    const events: StartEvents = {
      started: (pid) => {
        live.pgid = pid;
        // A queued script was handed over long before its turn: its wall time counts from its start.
        if (live.spec.queuedScript !== undefined) live.startedAtMs = performance.now();
        this.groups.add(pid);
        const limit = live.spec.timeLimitMs;
        if (limit !== undefined && limit > 0 && !live.stopFor) live.limitTimer = setTimeout(() => this.stop(live, 'timeLimit'), limit);
        // Stopped before it had started.
        if (live.killDue) signalGroup(pid, 'SIGKILL');
        else if (live.stopFor) signalGroup(pid, 'SIGTERM');
      },
      failed: (step, errno) => this.settle(live, () => live.reject(new ProcessStartFailedError(step, fileOf(live.spec, step), errno))),
      ended: (code, sig, rusage, groupEmpty) => this.mainEnded(live, code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0), sig, rusage, groupEmpty === true),
      lost: (why, neverRan) => {
        if (neverRan && backend.name === 'native' && !this.forced) {
          // A spawner binary that cannot run here (built elsewhere, lost its execute bit): nothing
          // it was given ran, so this and every later process go to the fallback.
          if (this.backendNow === backend) this.backendNow = new SpawnBackend();
          return this.startOn(this.backend, live);
        }
        this.afterMain(live, false, () => live.reject(new ProcessLostError(why)));
      },
    };
    backend.start(live.spec, events);
  }

  /** SIGTERM to the group now, SIGKILL after the grace period. */
  private stop(live: Live, why: 'timeLimit' | 'abort'): void {
    if (live.stopFor) return;
    live.stopFor = why;
    if (live.withdraw) {
      // Still waiting for a slot: nothing was started.
      live.withdraw();
      live.withdraw = undefined;
      return this.settle(live, () => live.reject(live.spec.signal?.reason ?? new Error('aborted')));
    }
    if (live.pgid !== undefined) signalGroup(live.pgid, 'SIGTERM');
    live.killTimer = setTimeout(() => {
      live.killDue = true;
      if (live.pgid !== undefined) signalGroup(live.pgid, 'SIGKILL');
    }, live.graceMs);
  }

  private mainEnded(live: Live, exitCode: number, signal: NodeJS.Signals | null, rusage: Rusage | undefined, groupEmpty: boolean): void {
    const wallMs = live.startedAtMs === undefined ? undefined : Math.round((performance.now() - live.startedAtMs) * 1000) / 1000;
    this.afterMain(live, groupEmpty, () => {
      if (live.stopFor === 'abort') return live.reject(live.spec.signal?.reason ?? new Error('aborted'));
      const outcome: ProcessOutcome = { exitCode, signal, timedOut: live.stopFor === 'timeLimit' };
      if (rusage) outcome.rusage = rusage;
      if (wallMs !== undefined) outcome.wallMs = wallMs;
      live.resolve(outcome);
    });
  }

  /**
   * The main process is gone: SIGKILL what it left in its group, report once the group is empty. In
   * the usual case nothing is left (the backend saw the group empty, or the kill finds no group):
   * the report goes at once.
   */
  private afterMain(live: Live, groupEmpty: boolean, report: () => void): void {
    if (live.limitTimer) clearTimeout(live.limitTimer);
    if (live.onAbort) live.spec.signal?.removeEventListener('abort', live.onAbort);
    const pgid = live.pgid;
    if (pgid === undefined || groupEmpty || !signalGroup(pgid, 'SIGKILL')) return this.settle(live, report);
    void groupGone(pgid, GONE_BOUND_MS).then(() => this.settle(live, report));
  }

  private settle(live: Live, report: () => void): void {
    if (!this.live.delete(live)) return;
    if (live.limitTimer) clearTimeout(live.limitTimer);
    if (live.killTimer) clearTimeout(live.killTimer);
    if (live.onAbort) live.spec.signal?.removeEventListener('abort', live.onAbort);
    if (live.pgid !== undefined) this.groups.delete(live.pgid);
    // The slot goes to the next process first: its start record is written before this one's
    // caller goes on to collect its outputs.
    live.release?.();
    live.release = undefined;
    live.next?.();
    report();
    if (this.live.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Kill every running group and the backend's helper, synchronously (process exit, signals). */
  private readonly killAll = (): void => {
    for (const pgid of this.groups) signalGroup(pgid, 'SIGKILL');
    this.groups.clear();
    this.backendNow?.killNow();
  };

  /**
   * On SIGINT/SIGTERM/SIGHUP nobody else handles: clean up, then let the signal do what it would.
   * A program's own handler (the CLI's) cancels its work instead, and the stopped processes get
   * their grace period; the 'exit' hook still kills whatever is left when the process ends.
   */
  private readonly onSignal = cleanupSignalHandler((sig: NodeJS.Signals): void => {
    if (signalOwnedElsewhere(sig)) return;
    this.killAll();
    this.hooked = false;
    process.off('exit', this.killAll);
    for (const s of SIGNALS) process.off(s, this.onSignal);
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  });

  private hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    process.on('exit', this.killAll);
    for (const sig of SIGNALS) process.on(sig, this.onSignal);
  }
}

function fileOf(spec: ProcessSpec, step: StartStep): string {
  switch (step) {
    case 'cwd':
      return spec.cwd;
    case 'stdin':
      return spec.stdin ?? '/dev/null';
    case 'stdout':
      return spec.stdout;
    case 'stderr':
      return spec.stderr;
    case 'program':
      return spec.argv[0] ?? '';
  }
}
