/**
 * What the kernel keeps per task, and what an app gives the kernel to run it. Plain objects with
 * no per-task closures beyond the settle listeners: 100,000 of them must stay cheap.
 */
import type { TaskOutcome, TaskSpec } from '../executors/index.js';
import type { TaskState } from './taskState.js';
import type { TaskTags } from './record/writer.js';

/** Passed to an app's `prepare`: where this attempt of the task runs. */
export interface PrepareContext {
  taskId: number;
  /** 0 for the first try. */
  attempt: number;
  /** The kernel's run directory (runinfo/NNN), absolute. */
  runDir: string;
}

/**
 * An app, as the kernel sees it: a name, an identity for memoization, and how to turn resolved
 * arguments into a TaskSpec and an outcome into a result. `bashApp` and `loadTool` build these.
 */
export interface AppDefinition<A = unknown, T = unknown> {
  /** Shown in logs, events and errors. */
  readonly name: string;
  /** Identifies the app's code for memo keys (e.g. a hash of its source or of the CWL tool). */
  readonly identity: string;
  /** Memoize this app's results (and checkpoint them when checkpointing is on). */
  readonly cache: boolean;
  /** Label of the executor to run on (default: the kernel's first executor). */
  readonly executor?: string;
  /** Retry budget for this app; overrides the kernel's `retries`. */
  readonly retries?: number;
  /** Resolved arguments → what the executor runs. Throwing fails the task without retries. */
  prepare(args: A, ctx: PrepareContext): TaskSpec | Promise<TaskSpec>;
  /** The executor's outcome → the app's result. Throwing counts as a failed try (retried). */
  complete(outcome: TaskOutcome, args: A, spec: TaskSpec): T;
  /** Arguments as they enter the memo key (default: the arguments themselves). */
  memoArgs?(args: A): unknown;
  /** What the run record says this task is (a CWL step instance's step and scatter index). */
  describe?(args: A): TaskTags | undefined;
}

export type SettleListener = () => void;

export interface TaskRecord {
  readonly id: number;
  readonly app: AppDefinition;
  /** Arguments; futures are replaced by their values once all dependencies resolved. Dropped when final. */
  args: unknown;
  state: TaskState;
  /** Tries so far that failed. */
  failCount: number;
  /** Sum of retry-handler costs (1 per failure without a handler); the task retries while ≤ retries. */
  failCost: number;
  /** Dependencies not yet settled. */
  depsPending: number;
  result: unknown;
  error: unknown;
  /** Called once when the task reaches a final state. */
  listeners: SettleListener[] | undefined;
  memoKey: string | undefined;
  submittedAt: number;
  /** Retry budget in force for this task. */
  retries: number;
  /** The caller's cancellation signal for this task, if any. */
  signal: AbortSignal | undefined;
  /** Our listener on `signal`, removed when the task is final. */
  onAbort: (() => void) | undefined;
}
