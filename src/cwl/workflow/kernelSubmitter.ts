/**
 * Tool jobs of a workflow as DataFlowKernel tasks: one task of kind `cwl-job` per step instance
 * (issue 5: "one DFK task per step instance"; docs/architecture.md). The kernel hands the task to its
 * executor (local or HTEX), whose capacity is the only limit on how many run at once.
 */
import type { DataFlowKernel, AppDefinition } from '../../dataflow/index.js';
import type { TaskOutcome } from '../../executors/index.js';
import { ParslCwlError, ErrorCode } from '../../util/index.js';
import type { JobResult, JobSpec } from '../jobSpec.js';

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
  prepare: (args) => ({ kind: 'cwl-job', job: args.job }),
  complete: (outcome: TaskOutcome, args) => {
    if (outcome.kind !== 'cwl-job') {
      throw new ParslCwlError(ErrorCode.Internal, `${args.job.name}: the executor returned a '${outcome.kind}' outcome for a cwl-job task`);
    }
    return outcome.result;
  },
};

/** `submitToolJob` for WorkflowServices, backed by `dfk`. */
export function kernelToolJobSubmitter(dfk: DataFlowKernel): (job: JobSpec, signal?: AbortSignal) => Promise<JobResult> {
  return (job, signal) => Promise.resolve(dfk.submit(WORKFLOW_STEP_APP, new StepJob(job), signal ? { signal } : undefined));
}
