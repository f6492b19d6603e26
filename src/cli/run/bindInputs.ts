/**
 * The run command's input object: the job file (if any), then inputs given on the command line
 * (which win), then defaults, file checks and validation (src/cwl/inputs). Names in a job file the
 * process does not declare are warnings (cwltool ignores them; the conformance suite shares job
 * files between tools); unknown `--name` flags on the command line are errors.
 */
import type { Process, Requirement } from '../../cwl/model.js';
import type { RunOptions } from './runOptions.js';
import type { RunLog } from './runLog.js';

export interface BoundJob {
  inputs: Record<string, unknown>;
  /** `cwl:requirements` of the job file. */
  requirements: Requirement[];
}

export async function bindJobInputs(proc: Process, opts: RunOptions, log: RunLog): Promise<BoundJob> {
  const { loadJobFile, parseCommandLineInputs, prepareInputs } = await import('../../cwl/inputs/index.js');
  let raw: Record<string, unknown> = {};
  let requirements: Requirement[] = [];
  let baseUri: string | undefined;
  if (opts.jobFile !== undefined) {
    const job = await loadJobFile(opts.jobFile);
    raw = job.inputs;
    requirements = job.requirements;
    baseUri = job.uri;
  }
  if (opts.inputArgs.length > 0) raw = { ...raw, ...parseCommandLineInputs(proc, opts.inputArgs) };
  const inputs = await prepareInputs(proc, raw, { baseUri, unknownInputs: 'warn', warn: (m) => log.warn(m), requirements });
  return { inputs, requirements };
}
