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
import { registerJobRunner, type JobTaskSpec, type TaskOutcome, type TaskResources } from '../executors/index.js';
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
  const resources = jobResources(job);
  return resources ? { kind: 'job', runner: CWL_JOB_RUNNER, job, resources } : { kind: 'job', runner: CWL_JOB_RUNNER, job };
}

/**
 * The cores and RAM (MB) a job's ResourceRequirement asks for, for block scaling: coresMin/ramMin
 * (else the Max), when they are plain numbers; an expression is only known on the worker, so it
 * counts as the default (undefined). The requirement wins over a hint, as in execution.
 */
export function jobResources(job: Pick<JobSpec, 'requirements' | 'hints'>): TaskResources | undefined {
  const req = [...job.requirements, ...job.hints].find((r) => r.class === 'ResourceRequirement');
  if (!req) return undefined;
  const amount = (resource: 'cores' | 'ram'): number | undefined => {
    const v = req[`${resource}Min`] ?? req[`${resource}Max`];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.ceil(v) : undefined;
  };
  const cores = amount('cores');
  const ramMB = amount('ram');
  if (cores === undefined && ramMB === undefined) return undefined;
  return { ...(cores !== undefined ? { cores } : {}), ...(ramMB !== undefined ? { ramMB } : {}) };
}

/** The JobResult of a CWL job task's outcome (`what` names the job in the error for any other outcome). */
export function cwlJobResult(outcome: TaskOutcome, what: string): JobResult {
  if (outcome.kind !== 'job') throw new ParslCwlError(ErrorCode.Internal, `${what}: the executor returned a '${outcome.kind}' outcome for a CWL job task`);
  return outcome.result as JobResult;
}
