/**
 * Running a whole Workflow for the run command or a library caller: a DataFlowKernel (a fresh one
 * unless given), the engine, and progress. Experimental API.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DataFlowKernel } from '../../dataflow/index.js';
import type { JobOptions } from '../jobSpec.js';
import type { Requirement, Workflow } from '../model.js';
import { defaultWorkflowServices } from './defaultServices.js';
import { buildGraph } from './graph.js';
import { WorkflowProgress } from './progress.js';
import { runWorkflow } from './workflowRun.js';

/**
 * What runWorkflowOnKernel needs besides the workflow and its inputs.
 * @experimental May change before 1.0.
 */
export interface WorkflowRunRequest {
  /** Folder for this run's kernel run directory (`<runDir>/runinfo/NNN`, job folders in `jobs/`). */
  runDir: string;
  /** Requirements from the job file (`cwl:requirements`): they override the workflow's own. */
  requirements?: Requirement[];
  jobOptions?: JobOptions;
  /** One tool job at a time (`--serial`). */
  serial?: boolean;
  signal?: AbortSignal;
  progress?: WorkflowProgress;
  log?: (line: string) => void;
  /** Use this kernel (its executors decide parallelism); default: a fresh one, shut down at the end. */
  dfk?: DataFlowKernel;
  /** Tool jobs at once in a fresh kernel's LocalExecutor (default: the kernel's default, the number of cores). */
  maxWorkers?: number;
}

/**
 * What runWorkflowOnKernel returns.
 * @experimental May change before 1.0.
 */
export interface WorkflowRunResult {
  outputs: Record<string, unknown>;
  /** Where the job folders are (and stay, with the outputs of finished steps, if the run failed). */
  jobsDir: string;
}

/**
 * Run a loaded Workflow on a kernel (a fresh local one without `dfk`); docs/workflows.md.
 * @experimental May change before 1.0.
 */
export async function runWorkflowOnKernel(wf: Workflow, inputs: Record<string, unknown>, req: WorkflowRunRequest): Promise<WorkflowRunResult> {
  const dfk = req.dfk ?? (await DataFlowKernel.load({ runDir: path.join(req.runDir, 'runinfo'), maxWorkers: req.maxWorkers }));
  const jobsDir = path.join(dfk.runDir, 'jobs');
  // An interrupt cancels the tool jobs in flight (the engine itself stops starting new ones).
  const cancel = (): void => {
    dfk.shutdown({ mode: 'cancel' }).catch((err: unknown) => req.log?.(`cancelling the running jobs failed: ${String(err)}`));
  };
  if (!req.dfk) req.signal?.addEventListener('abort', cancel, { once: true });
  recordSteps(dfk, wf);
  const extra = req.requirements ?? [];
  const top: Workflow = extra.length > 0 ? { ...wf, requirements: [...(wf.requirements ?? []).filter((r) => !extra.some((e) => e.class === r.class)), ...extra] } : wf;
  try {
    const outputs = await runWorkflow(top, inputs, {
      services: defaultWorkflowServices(dfk, {
        expressionTimeoutMs: req.jobOptions?.expressionTimeoutMs,
        expressionMemoryMb: req.jobOptions?.expressionMemoryMb,
      }),
      jobsDir,
      serial: req.serial,
      signal: req.signal,
      progress: req.progress,
      jobOptions: req.jobOptions,
    });
    return { outputs, jobsDir };
  } catch (err) {
    // Only when a step made its folder: a failure before any step ran leaves nothing to look at.
    if (jobFoldersMade(jobsDir)) req.log?.(`job folders of the steps that ran, with the outputs of those that finished, are in ${jobsDir}`);
    throw err;
  } finally {
    req.signal?.removeEventListener('abort', cancel);
    if (!req.dfk) await dfk.shutdown();
  }
}



/** The run record's steps and step → step edges (steps.json), from the workflow's own graph. */
function recordSteps(dfk: DataFlowKernel, wf: Workflow): void {
  if (!dfk.recorder) return;
  let upstream: Map<string, Set<string>>;
  try {
    upstream = buildGraph(wf, { allowOperations: true }).upstream;
  } catch {
    return; // runWorkflow reports what is wrong with it
  }
  const edges: Array<{ from: string; to: string }> = [];
  for (const [to, froms] of upstream) for (const from of froms) edges.push({ from, to });
  dfk.recorder.steps(
    wf.steps.map((s) => ({ name: s.id, tool: s.run.id })),
    edges,
  );
}

function jobFoldersMade(jobsDir: string): boolean {
  try {
    return readdirSync(jobsDir).length > 0;
  } catch {
    return false;
  }
}
