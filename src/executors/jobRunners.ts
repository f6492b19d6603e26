/**
 * The runners of `job` tasks, by name. The executors run bash and no-op tasks themselves; a job's
 * payload belongs to the layer that made the task, which registers the function that runs it
 * (the CWL layer: runner `cwl`, src/cwl/jobTask.ts). This keeps the executor layer free of
 * imports from the layers above it (docs/architecture.md, "Task kinds").
 *
 * A runner is registered as a loader so that its code is imported on the first job only: a
 * program that runs bash tasks never loads the CWL execution code. Registration is per process:
 * an HTEX worker imports the modules its pool was given before it takes tasks (htex/pool.ts).
 */
import type { ProcessSlots } from '../process/index.js';
import type { TaskRunReport } from './executor.js';
import { JobRunnerMissingError } from './errors.js';

/** What a runner gets besides the job: the same options for every runner. */
export interface JobRunOptions {
  /** Debug lines of the job (the LocalExecutor's log; absent on HTEX workers). */
  log?: ((line: string) => void) | undefined;
  /** How long a stopped process group gets between SIGTERM and SIGKILL (default: the supervisor's). */
  killGraceMs?: number | undefined;
  /** Shared limit on the commands that jobs run at once (the LocalExecutor's; absent on HTEX workers). */
  processSlots?: ProcessSlots | undefined;
  /**
   * The run record's facts about this try: a runner fills what it knows (its command line, work
   * folder, input/output sizes; `reportProcess` for its command's exit and resource use).
   */
  report?: TaskRunReport | undefined;
}

/**
 * Runs one job: resolves with its result (plain data: it may cross process boundaries) or rejects
 * with a ParslCwlError. An abort of `signal` must stop what the job started before it settles.
 */
export type JobRunner = (job: unknown, signal: AbortSignal | undefined, options: JobRunOptions) => Promise<unknown>;

interface Entry {
  load: () => Promise<JobRunner>;
  runner?: Promise<JobRunner>;
}

const runners = new Map<string, Entry>();

/** Register (or replace) the runner of `job` tasks naming `name`; `load` is called on the first such task. */
export function registerJobRunner(name: string, load: () => Promise<JobRunner>): void {
  runners.set(name, { load });
}

/** The runner registered under `name`, loaded once; rejects with JobRunnerMissingError when none is. */
export function jobRunner(name: string): Promise<JobRunner> {
  const entry = runners.get(name);
  if (!entry) return Promise.reject(new JobRunnerMissingError(name, [...runners.keys()]));
  entry.runner ??= entry.load();
  return entry.runner;
}
