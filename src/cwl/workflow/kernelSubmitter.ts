/**
 * Tool jobs of a workflow as DataFlowKernel tasks: one CWL job task (../jobTask.ts) per step instance
 * (issue 5: "one DFK task per step instance"; docs/architecture.md). The kernel hands the task to its
 * executor (local or HTEX), whose capacity is the only limit on how many run at once.
 */
import type { DataFlowKernel, AppDefinition } from '../../dataflow/index.js';
import type { TaskOutcome } from '../../executors/index.js';
import type { JobResult, JobSpec } from '../jobSpec.js';
import { cwlJobResult, cwlJobTask } from '../jobTask.js';

/**
 * The job travels inside a class instance: the kernel searches plain objects and arrays among a
 * task's arguments for futures, and a step job has none, so this spares a walk over the whole tool
 * document for every scatter instance.
 */
class StepJob {
  constructor(readonly job: JobSpec) {}
}

const WORKFLOW_STEP_APP: AppDefinition<StepJob, JobResult> = {
  name: 'cwl-workflow-step',
  identity: 'parsl-cwl:workflow-step',
  cache: false,
  prepare: (args) => cwlJobTask(args.job),
  complete: (outcome: TaskOutcome, args) => cwlJobResult(outcome, args.job.name),
  describe: (args) => (args.job.scatterIndex ? { step: args.job.step, scatterIndex: args.job.scatterIndex } : { step: args.job.step }),
};

/** `submitToolJob` for WorkflowServices, backed by `dfk`. */
export function kernelToolJobSubmitter(dfk: DataFlowKernel): (job: JobSpec, signal?: AbortSignal) => Promise<JobResult> {
  return (job, signal) => Promise.resolve(dfk.submit(WORKFLOW_STEP_APP, new StepJob(job), signal ? { signal } : undefined));
}
