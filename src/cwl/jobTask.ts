/**
 * CWL tool jobs as executor tasks. The executors know a generic `job` task whose payload they do
 * not read (src/executors/jobRunners.ts); this module registers the CWL layer's runner, `cwl`
 * (executeJob: a JobSpec in, a JobResult out), and gives the typed view of such tasks.
 *
 * Every module that makes CWL job tasks imports this one, so the runner is registered in any
 * process that submits them to a LocalExecutor; HTEX workers import it before taking tasks
 * (`parsl-cwl pool` hands its URL to the pool, src/cli/pool.ts). src/cwl/execution itself is
 * imported on the first job only: bash-only programs never load it.
 */
import { registerJobRunner, type JobTaskSpec, type TaskOutcome } from '../executors/index.js';
import { ErrorCode, ParslCwlError } from '../util/index.js';
import type { JobResult, JobSpec } from './jobSpec.js';

/** The runner name CWL job tasks carry. */
export const CWL_JOB_RUNNER = 'cwl';

// A job that names a cache folder goes through the job cache (./cache/, docs/cache.md) here, on
// whichever process runs it, so the cache works the same on every executor.
registerJobRunner(CWL_JOB_RUNNER, () =>
  Promise.all([import('./execution/index.js'), import('./cache/index.js')]).then(([{ executeJob }, cache]) => (job, signal, options) => {
    const spec = job as JobSpec;
    if (!cache.cacheApplies(spec)) return executeJob(spec, signal, options);
    return cache.runCached(spec, (s) => executeJob(s, signal, options), options.log);
  }),
);

/** The task that runs `job` with executeJob on whichever executor gets it. */
export function cwlJobTask(job: JobSpec): JobTaskSpec {
  return { kind: 'job', runner: CWL_JOB_RUNNER, job };
}

/** The JobResult of a CWL job task's outcome (`what` names the job in the error for any other outcome). */
export function cwlJobResult(outcome: TaskOutcome, what: string): JobResult {
  if (outcome.kind !== 'job') throw new ParslCwlError(ErrorCode.Internal, `${what}: the executor returned a '${outcome.kind}' outcome for a CWL job task`);
  return outcome.result as JobResult;
}
