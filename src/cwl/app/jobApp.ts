/**
 * A CWL tool job as a kernel task: the app definition that sends a JobSpec to an executor as a
 * CWL job task (../jobTask.ts), where `executeJob` runs it (locally or on an HTEX worker). The run
 * command and the workflow engine submit jobs through this; `loadTool` builds on it.
 */
import { stringifyJson, createHash } from '../../util/index.js';
import type { JobResult, JobSpec } from '../jobSpec.js';
import { cwlJobResult, cwlJobTask } from '../jobTask.js';
import { reuseAllowed } from '../workReuse.js';
import type { TaskOutcome } from '../../executors/index.js';
import type { AppDefinition, AppFuture, DataFlowKernel } from '../../dataflow/index.js';

export { reuseAllowed };

export interface SubmitJobOptions {
  signal?: AbortSignal;
  /** Memoize this job by tool + inputs (files by content). Default false. WorkReuse `enableReuse: false` turns it off. */
  cache?: boolean;
  /** Executor label (default: the kernel's first executor). */
  executor?: string;
  retries?: number;
}

/** A stable identity of a loaded tool for memo keys: its id plus a hash of its whole model. */
export function toolIdentity(tool: JobSpec['tool']): string {
  return `cwl:${tool.id}:${createHash('sha256').update(stringifyJson(tool)).digest('hex')}`;
}

/**
 * The job travels inside a class instance: the kernel searches only plain objects and arrays for
 * futures, and a bound job has none, so this spares a walk over the whole tool document.
 */
class BoundJob {
  constructor(readonly job: JobSpec) {}
}

function jobDefinition(job: JobSpec, options: SubmitJobOptions): AppDefinition<BoundJob, JobResult> {
  return {
    name: job.name,
    // A getter: hashing the whole tool model per job is only needed when memoization asks for it.
    get identity() {
      return toolIdentity(job.tool);
    },
    cache: (options.cache ?? false) && reuseAllowed(job.requirements, job.hints),
    executor: options.executor,
    retries: options.retries,
    prepare: (bound) => cwlJobTask(bound.job),
    complete: (outcome: TaskOutcome) => cwlJobResult(outcome, job.name),
    // The job folder differs per run; only what the tool computes from matters.
    memoArgs: ({ job: j }) => ({ inputs: j.inputs, requirements: j.requirements, hints: j.hints }),
    diskMemo: false,
  };
}

/** Submit one ready JobSpec (inputs already bound) as a kernel task. */
export function submitJob(dfk: DataFlowKernel, job: JobSpec, options: SubmitJobOptions = {}): AppFuture<JobResult> {
  return dfk.submit(jobDefinition(job, options), new BoundJob(job), { signal: options.signal });
}
