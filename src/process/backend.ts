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
  /** It ended: its exit code, or the signal that killed it. */
  ended(code: number | null, signal: NodeJS.Signals | null, rusage?: Rusage): void;
  /** The backend died with this process in it; `neverRan` when nothing it was asked to start ran. */
  lost(why: string, neverRan: boolean): void;
}

export type BackendName = 'native' | 'node';

export interface Backend {
  readonly name: BackendName;
  start(request: StartRequest, events: StartEvents): void;
  /** Get ready for a start soon (the native spawner starts now, overlapping the caller's work). */
  warm(): void;
  /** Synchronously end whatever long-lived helper the backend keeps (process exit). */
  killNow(): void;
}
