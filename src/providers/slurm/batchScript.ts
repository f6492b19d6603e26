/**
 * Renders a block's sbatch script: the `#SBATCH` header from the provider options, then
 * worker_init, then the launcher-wrapped pool command. Written to runinfo/NNN/submit_scripts/.
 */
import type { ResolvedSlurmOptions } from './slurmOptions.js';
import { formatWalltime } from './slurmOptions.js';

export interface BatchScriptInput {
  jobName: string;
  /** Where the job's stdout and stderr files go (beside the script). */
  stdoutPath: string;
  stderrPath: string;
  /** The pool command, already wrapped by the launcher. */
  command: string;
  /** Copies of the command the launcher starts per node. */
  tasksPerNode: number;
}

/** `#SBATCH` lines, one option each (sbatch reads them until the first command line). */
function headerLines(options: ResolvedSlurmOptions, input: BatchScriptInput): string[] {
  const lines = [
    `--job-name=${input.jobName}`,
    `--output=${input.stdoutPath}`,
    `--error=${input.stderrPath}`,
    `--nodes=${options.nodesPerBlock}`,
    // The launcher's copies per node (1 for HTEX: one pool, which starts its own workers).
    `--ntasks-per-node=${Math.max(1, input.tasksPerNode)}`,
    `--time=${formatWalltime(options.walltimeSec)}`,
  ];
  if (options.partition) lines.push(`--partition=${options.partition}`);
  if (options.account) lines.push(`--account=${options.account}`);
  if (options.qos) lines.push(`--qos=${options.qos}`);
  if (options.constraint) lines.push(`--constraint=${options.constraint}`);
  if (options.coresPerNode !== undefined) lines.push(`--cpus-per-task=${options.coresPerNode}`);
  // sbatch's --mem takes an integer with a unit suffix; GB are given in MB to keep fractions.
  if (options.memPerNode !== undefined) lines.push(`--mem=${Math.floor(options.memPerNode * 1024)}M`);
  if (options.exclusive) lines.push('--exclusive');
  return lines.map((option) => `#SBATCH ${option}`);
}

export function renderBatchScript(options: ResolvedSlurmOptions, input: BatchScriptInput): string {
  const parts = ['#!/bin/bash', ...headerLines(options, input)];
  const extra = options.schedulerOptions.trim();
  if (extra) parts.push(extra);
  // The block's start, which its pools count the walltime from (drain_before_walltime).
  parts.push('', `# parsl-cwl block ${input.jobName}`, 'export PARSL_CWL_BLOCK_START=$(date +%s)');
  const init = options.workerInit.trim();
  if (init) parts.push(init);
  parts.push(input.command, '');
  return parts.join('\n');
}
