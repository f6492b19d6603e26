/**
 * What the supervisor asks of a backend, and what a backend tells it: start one process in a new
 * process group (pgid = its pid) with exactly the given argv, environment, working directory and
 * stream files, and report started / failed / ended (or lost: the backend itself died). Time
 * limits, aborts, kills and clean-up are the supervisor's (supervisor.ts), never a backend's.
 */
import type { StartStep } from './errors.js';

/** One process to start. Stream and program names are relative to `cwd` unless absolute. */
export interface StartRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Absent: /dev/null. */
  stdin?: string | undefined;
  stdout: string;
  /** The same string as `stdout`: the same open file (one offset, as `2>&1`). */
  stderr: string;
  /**
   * Set for an HTEX worker's bash tasks, with argv `['/bin/bash', '-c', queuedScript]`: it runs
   * after every earlier queued process has ended, in the order given. The native spawner runs such
   * scripts back to back in subshells of one long-lived bash, with no exec of bash and no round trip
   * to this process between two of them ($$ and $PPID then name that bash; $BASHPID the task). A
   * backend that cannot queue (`queues` false) gets them one at a time from the supervisor.
   */
  queuedScript?: string | undefined;
}

/** CPU time and peak memory of an ended process, where the backend can know them. */
export interface Rusage {
  userMs: number;
  systemMs: number;
  maxRssKb: number;
}

export interface StartEvents {
  /** It started and leads process group `pid`. */
  started(pid: number): void;
  /** It did not start. */
  failed(step: StartStep, errno: string): void;
  /**
   * It ended: its exit code, or the signal that killed it. `groupEmpty` when the backend checked
   * that nothing is left in its process group (else the supervisor checks).
   */
  ended(code: number | null, signal: NodeJS.Signals | null, rusage?: Rusage, groupEmpty?: boolean): void;
  /** The backend died with this process in it; `neverRan` when nothing it was asked to start ran. */
  lost(why: string, neverRan: boolean): void;
}

export type BackendName = 'native' | 'node';

export interface Backend {
  readonly name: BackendName;
  /** It runs queued requests in order itself, so they can be handed over all at once. */
  readonly queues: boolean;
  start(request: StartRequest, events: StartEvents): void;
  /** Get ready for a start soon (the native spawner starts now, overlapping the caller's work). */
  warm(): void;
  /** Synchronously end whatever long-lived helper the backend keeps (process exit). */
  killNow(): void;
}
