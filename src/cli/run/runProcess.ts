/**
 * Running a loaded process for the run command: one switch on its `class`, so each kind of process
 * (tools now; workflows through the workflow engine) is one case.
 */
import path from 'node:path';
import { UnsupportedRequirementError } from '../../cwl/errors.js';
import type { JobOptions, JobResult } from '../../cwl/jobSpec.js';
import type { Process, Requirement } from '../../cwl/model.js';
import type { RunLog } from './runLog.js';

export interface RunContext {
  /** This run's temporary folder; job folders are made inside it. */
  runDir: string;
  /** Requirements from the job file (`cwl:requirements`), which override the process's own. */
  extraRequirements: Requirement[];
  jobOptions: JobOptions;
  log: RunLog;
  signal: AbortSignal;
}

/** Run `process` on bound `inputs`; returns its output object, Files still in the job folders. */
export async function runProcess(process: Process, inputs: Record<string, unknown>, ctx: RunContext): Promise<Record<string, unknown>> {
  switch (process.class) {
    case 'CommandLineTool':
    case 'ExpressionTool':
      return (await runTool(process, inputs, ctx)).outputs;
    case 'Workflow':
    case 'Operation':
      throw new UnsupportedRequirementError(process.class, `the run command cannot run a ${process.class} in this build; run its tools one by one`);
  }
}

async function runTool(tool: Extract<Process, { class: 'CommandLineTool' | 'ExpressionTool' }>, inputs: Record<string, unknown>, ctx: RunContext): Promise<JobResult> {
  const { executeJob } = await import('../../cwl/execution/index.js');
  const name = toolName(tool.id);
  return executeJob(
    {
      tool,
      inputs,
      requirements: [...(tool.requirements ?? []), ...ctx.extraRequirements],
      hints: tool.hints ?? [],
      paths: { jobDir: path.join(ctx.runDir, 'job') },
      name,
      options: ctx.jobOptions,
    },
    ctx.signal,
    { log: (line) => ctx.log.debug(line) },
  );
}

/** A short name for logs: `echo.cwl` or `pack.cwl#main`. */
export function toolName(id: string): string {
  const slash = id.lastIndexOf('/');
  return decodeURIComponent(slash >= 0 ? id.slice(slash + 1) : id);
}
