/**
 * The kernel's configuration, with its defaults in one place ({@link resolveKernelConfig}).
 * Plain data plus executor objects: a config file loader builds the same object.
 */
import type { Executor } from '../executors/index.js';
import { KernelConfigError } from './errors.js';

/** What a retry handler learns about the failed try. */
export interface RetryInfo {
  taskId: number;
  appName: string;
  /** Tries that failed so far, this one included. */
  failCount: number;
  /** Cost accumulated before this failure. */
  failCost: number;
}

/**
 * Parsl's retry_handler: returns the cost of this failure. The costs add up and the task is tried
 * again while their sum is ≤ `retries`; returning 0 retries without spending the budget, a value
 * above the budget stops at once. A handler that throws fails the task.
 */
export type RetryHandler = (error: unknown, info: RetryInfo) => number;

export type CheckpointMode = 'none' | 'task_exit' | 'dfk_exit' | 'manual';
export type ShutdownMode = 'wait' | 'cancel';

export interface DataFlowKernelConfig {
  /** Executors; the first is the default. Default: one LocalExecutor with `maxWorkers`. */
  executors?: Executor[];
  /** Tasks at once for the default LocalExecutor (default: the number of cores). */
  maxWorkers?: number;
  /** Base folder of run directories (default `runinfo`, relative to the working directory). */
  runDir?: string;
  /** Retry budget of every task (default 0); apps may override. */
  retries?: number;
  retryHandler?: RetryHandler;
  /** Memoize apps created with `cache: true` (default true). */
  appCache?: boolean;
  /** When memoized results are written to the run's checkpoint file (default 'none'). */
  checkpointMode?: CheckpointMode;
  /**
   * Checkpoint files to read at load: 'all' (every earlier run under `runDir`) or paths.
   * Default: 'all' when checkpointMode is not 'none', else none.
   */
  checkpointFiles?: 'all' | string[];
  /** 'wait' lets tasks in flight finish; 'cancel' kills them (default 'wait'). */
  shutdownMode?: ShutdownMode;
  /** In 'wait' mode, cancel what is still running after this many ms (default: wait for ever). */
  shutdownTimeoutMs?: number;
  /** Also send every run-log line here (e.g. the CLI's --debug output). */
  log?: (line: string) => void;
  /**
   * Lines the user should see even when nobody reads the log (an executor running without
   * encryption): the CLI prints them on stderr. They are in the run log too.
   */
  warn?: (line: string) => void;
  /**
   * Write the run log, `runinfo/NNN/parsl.log` (default true). The CLI turns it off for a tool run
   * whose run folder is removed at its end anyway (not with --debug or --leave-tmp): a file
   * written, then deleted unread, is measurable in a one-tool run.
   */
  logFile?: boolean;
  /**
   * The run record (docs/run-record.md): each task's life, its resource use, the blocks. On by
   * default, in the run directory; `false` turns it off; `dir` puts it elsewhere (the CLI: the
   * user's state folder); `process`/`jobFile` name what ran, for run.json.
   */
  record?: false | RecordConfig;
}

export interface RecordConfig {
  /** The record's folder (default: the run directory, runinfo/NNN). */
  dir?: string;
  /** The CWL document run (CLI runs). */
  process?: string;
  /** The input object file (CLI runs). */
  jobFile?: string;
  /** The command line as the user gave it (default: this process's arguments). */
  argv?: string[];
}

export interface ResolvedKernelConfig {
  executors: Executor[] | undefined;
  maxWorkers: number | undefined;
  runDir: string;
  retries: number;
  retryHandler: RetryHandler | undefined;
  appCache: boolean;
  checkpointMode: CheckpointMode;
  checkpointFiles: 'all' | string[];
  shutdownMode: ShutdownMode;
  shutdownTimeoutMs: number | undefined;
  log: ((line: string) => void) | undefined;
  warn: ((line: string) => void) | undefined;
  logFile: boolean;
  record: false | RecordConfig;
}

export function resolveKernelConfig(config: DataFlowKernelConfig = {}): ResolvedKernelConfig {
  const retries = config.retries ?? 0;
  if (!Number.isFinite(retries) || retries < 0) throw new KernelConfigError('retries', `must be a number ≥ 0, got ${String(config.retries)}`);
  const checkpointMode = config.checkpointMode ?? 'none';
  if (!['none', 'task_exit', 'dfk_exit', 'manual'].includes(checkpointMode)) {
    throw new KernelConfigError('checkpointMode', `must be none, task_exit, dfk_exit or manual, got ${String(checkpointMode)}`);
  }
  const shutdownMode = config.shutdownMode ?? 'wait';
  if (shutdownMode !== 'wait' && shutdownMode !== 'cancel') throw new KernelConfigError('shutdownMode', `must be wait or cancel, got ${String(shutdownMode)}`);
  if (config.executors !== undefined && config.executors.length === 0) throw new KernelConfigError('executors', 'needs at least one executor (or leave it out for the local one)');
  const labels = new Set<string>();
  for (const e of config.executors ?? []) {
    if (labels.has(e.label)) throw new KernelConfigError('executors', `two executors are labelled '${e.label}'; labels must be unique`);
    labels.add(e.label);
  }
  return {
    executors: config.executors,
    maxWorkers: config.maxWorkers,
    runDir: config.runDir ?? 'runinfo',
    retries,
    retryHandler: config.retryHandler,
    appCache: config.appCache ?? true,
    checkpointMode,
    checkpointFiles: config.checkpointFiles ?? (checkpointMode === 'none' ? [] : 'all'),
    shutdownMode,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    log: config.log,
    warn: config.warn,
    logFile: config.logFile ?? true,
    record: config.record ?? {},
  };
}
