/**
 * Running a loaded process for the run command: one switch on its `class`, so each kind of process
 * (tools now; workflows through the workflow engine) is one case.
 */
import path from 'node:path';
import { UnsupportedRequirementError } from '../../cwl/index.js';
import type { JobOptions, JobResult, Process, Requirement } from '../../cwl/index.js';
import type { RunLog } from './runLog.js';
import type { ContainerSettings } from '../../cwl/containers/settings.js';
import type { DataFlowKernel, RecordConfig } from '../../dataflow/index.js';

export interface RunContext {
  /** This run's temporary folder; job folders are made inside it. */
  runDir: string;
  /** Requirements from the job file (`cwl:requirements`), which override the process's own. */
  extraRequirements: Requirement[];
  jobOptions: JobOptions;
  log: RunLog;
  signal: AbortSignal;
  /** Workflows: one tool job at a time (`--serial`); the default runs every ready step at once. */
  serial?: boolean;
  /** Workflows: give the progress line a description of the steps still waiting for their inputs. */
  progressDetail?: (describe: () => string) => void;
  /** `--config FILE`: the kernel's executor (HTEX, local...) and retries come from it. */
  configFile?: string;
  /** The run record: its folder and what ran (docs/run-record.md); false: none (--no-record). */
  record: RecordConfig | false;
  /** Told the run's kernel once it is loaded (the progress display reads its task counts). */
  onKernel?: (dfk: DataFlowKernel) => void;
}

/**
 * The kernel of this run: from --config when given (src/config), else the local executor. Its log
 * file is written only where someone can read it: `logFile` is false for a tool run without
 * --debug/--leave-tmp, whose run folder is removed at its end whatever the outcome (a failed
 * workflow keeps its folder, so workflows always write it).
 */
async function loadKernel(ctx: RunContext, maxWorkers: number | undefined, logFile = true): Promise<DataFlowKernel> {
  const { DataFlowKernel } = await import('../../dataflow/kernel.js');
  const base = { runDir: path.join(ctx.runDir, 'runinfo'), log: (line: string) => ctx.log.debug(line), warn: (line: string) => ctx.log.warn(line), logFile, record: ctx.record };
  let dfk: DataFlowKernel;
  if (ctx.configFile === undefined) dfk = await DataFlowKernel.load({ ...base, maxWorkers });
  else {
    const { loadConfig } = await import('../../config/index.js');
    const { containers, ...built } = await loadConfig(ctx.configFile);
    ctx.jobOptions = withConfigContainers(ctx.jobOptions, containers);
    dfk = await DataFlowKernel.load({ ...base, ...built });
  }
  ctx.onKernel?.(dfk);
  return dfk;
}

/** The config's `containers:` under the command line's flags (a flag wins for what it sets). */
function withConfigContainers(options: JobOptions, fromConfig: ContainerSettings | undefined): JobOptions {
  if (fromConfig === undefined) return options;
  const flags = options.container;
  if (flags === undefined) return { ...options, container: fromConfig };
  // The flags always carry a mode; 'auto' there means no engine flag was given.
  const mode = flags.mode === 'auto' ? fromConfig.mode : flags.mode;
  return { ...options, container: { ...fromConfig, ...flags, mode } };
}

/** The run's own outcome in its record, before the kernel closes it (a failure outside any task included). */
function recordFailure(dfk: DataFlowKernel, ctx: RunContext): void {
  dfk.recorder?.setInfo({ status: ctx.signal.aborted ? 'cancelled' : 'failed' });
}

/** Run `process` on bound `inputs`; returns its output object, Files still in the job folders. */
export async function runProcess(process: Process, inputs: Record<string, unknown>, ctx: RunContext): Promise<Record<string, unknown>> {
  switch (process.class) {
    case 'CommandLineTool':
    case 'ExpressionTool':
      return (await runTool(process, inputs, ctx)).outputs;
    case 'Workflow':
      return runWorkflow(process, inputs, ctx);
    case 'Operation':
      // Operation.yml: an abstract process with no implementation to run.
      throw new UnsupportedRequirementError('Operation', `${toolName(process.id)} is an abstract Operation and cannot be run; give it a CommandLineTool, ExpressionTool or Workflow implementation`);
  }
}

/** Workflows run on the submitting side (src/cwl/workflow); each tool step instance is one kernel task. */
async function runWorkflow(wf: Extract<Process, { class: 'Workflow' }>, inputs: Record<string, unknown>, ctx: RunContext): Promise<Record<string, unknown>> {
  const { runWorkflowOnKernel, WorkflowProgress } = await import('../../cwl/workflow/index.js');
  const progress = new WorkflowProgress();
  // The tasks by state come from the kernel; what only the engine knows is the steps not started.
  ctx.progressDetail?.(() => (progress.counts.waiting > 0 ? `${progress.counts.waiting} steps not started` : ''));
  // The kernel is made here (its executor from --config, else the local one) and shut down here.
  const dfk = await loadKernel(ctx, undefined);
  const cancel = (): void => void dfk.shutdown({ mode: 'cancel' });
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    const { outputs } = await runWorkflowOnKernel(wf, inputs, {
      dfk,
      runDir: ctx.runDir,
      requirements: ctx.extraRequirements,
      jobOptions: ctx.jobOptions,
      serial: ctx.serial,
      signal: ctx.signal,
      progress,
      // Said also with --quiet: after a failure this is where the finished steps' outputs are.
      log: (line) => ctx.log.warn(line),
    });
    return outputs;
  } catch (err) {
    recordFailure(dfk, ctx);
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
    await dfk.shutdown();
    // After a failure too: how much of the work a rerun will not repeat.
    const cache = ctx.jobOptions.cache;
    if (cache !== undefined) {
      const c = progress.counts;
      ctx.log.info(`workflow: ${c.reused} of ${c.done} finished step instances reused from the cache, ${c.done - c.reused - c.skipped} run (${cache.dir})`);
    }
  }
}

/** A tool runs as one CWL job task (src/cwl/jobTask.ts) of a DataFlowKernel (issue 4: the runner on the kernel). */
async function runTool(tool: Extract<Process, { class: 'CommandLineTool' | 'ExpressionTool' }>, inputs: Record<string, unknown>, ctx: RunContext): Promise<JobResult> {
  const { submitJob } = await import('../../cwl/app/jobApp.js');
  const name = toolName(tool.id);
  const dfk = await loadKernel(ctx, 1, ctx.jobOptions.keepTmp === true);
  try {
    const job = {
      tool,
      inputs,
      requirements: [...(tool.requirements ?? []), ...ctx.extraRequirements],
      hints: tool.hints ?? [],
      paths: { jobDir: path.join(ctx.runDir, 'job') },
      name,
      options: ctx.jobOptions,
    };
    const result = await submitJob(dfk, job, { signal: ctx.signal });
    if (result.reused === true) ctx.log.info(`${name}: outputs reused from the cache (${ctx.jobOptions.cache?.dir})`);
    return result;
  } catch (err) {
    recordFailure(dfk, ctx);
    throw err;
  } finally {
    await dfk.shutdown({ mode: 'cancel' });
  }
}

/** A short name for logs: `echo.cwl` or `pack.cwl#main`. */
export function toolName(id: string): string {
  const slash = id.lastIndexOf('/');
  return decodeURIComponent(slash >= 0 ? id.slice(slash + 1) : id);
}
