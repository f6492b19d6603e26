/**
 * The one interface every executor implements (ARCHITECTURE.md: "Executors share one interface").
 * The DataFlowKernel knows only this: it never sees ZeroMQ, Slurm or child processes.
 */
import type { JobSpec, JobResult } from '../cwl/jobSpec.js';

/** What an executor runs. Plain data: it crosses process boundaries (HTEX) as JSON. */
export type TaskSpec = BashTaskSpec | CwlJobTaskSpec | NoopTaskSpec;

/** A bash app's resolved command. stdout/stderr go straight to files (PERF-NOTES: no pipes). */
export interface BashTaskSpec {
  kind: 'bash';
  command: string;
  cwd?: string;
  /** Added to the worker's environment. */
  env?: Record<string, string>;
  /** Absolute path or a path relative to cwd; absent means /dev/null. */
  stdout?: string;
  stderr?: string;
  /** Kill the task's whole process group after this many seconds. */
  walltimeSec?: number;
}

/** A CWL tool invocation; the worker runs it with executeJob (src/cwl/execution). */
export interface CwlJobTaskSpec {
  kind: 'cwl-job';
  job: JobSpec;
}

/** A task that does nothing (kernel and executor overhead benchmarks). */
export interface NoopTaskSpec {
  kind: 'noop';
}

export type TaskOutcome =
  | { kind: 'bash'; exitCode: number; signal?: string | null; stdout?: string; stderr?: string }
  | { kind: 'cwl-job'; result: JobResult }
  | { kind: 'noop' };

export interface TaskEnvelope {
  taskId: number;
  /** 0 for the first try, 1 for the first retry, ... */
  attempt: number;
  spec: TaskSpec;
}

export type ExecutorState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPING' | 'STOPPED' | 'FAILED';

export interface ExecutorStartContext {
  /** The run directory (runinfo/NNN): logs, certificates/, submit_scripts/, job folders. */
  runDir: string;
  /** Where the executor writes its log lines. */
  log: (line: string) => void;
}

/** What the scaling strategy reads and calls (the provider issue builds on these hooks). */
export interface ScalingHooks {
  /** Blocks this executor has asked a provider for and not yet cancelled. */
  connectedBlocks(): string[];
  /** Ask the provider for `blocks` more blocks. */
  scaleOut(blocks: number): Promise<string[]>;
  /** Drain then cancel up to `blocks` idle blocks (or the ones named). */
  scaleIn(blocks: number, blockIds?: string[]): Promise<string[]>;
}

export interface Executor {
  readonly label: string;
  readonly state: ExecutorState;
  start(ctx: ExecutorStartContext): Promise<void>;
  /**
   * Run a task. Resolves with the outcome (a bash task's non-zero exit is an outcome, not a
   * rejection: the kernel turns it into BashExitFailure). Rejects with a ParslCwlError for failures
   * of the task's execution (CWL tool failure, WorkerLost, ManagerLost, walltime...).
   */
  submit(task: TaskEnvelope, signal?: AbortSignal): Promise<TaskOutcome>;
  /** Tasks submitted and not yet finished. */
  outstanding(): number;
  /** Present on executors that provision blocks through a provider (HTEX). */
  readonly scaling?: ScalingHooks;
  /** Safe to call twice (same promise); rejects pending tasks with a "shut down" error. */
  shutdown(): Promise<void>;
}
