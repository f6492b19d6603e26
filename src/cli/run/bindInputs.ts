/**
 * The run command's input object: the job file (if any), then inputs given on the command line
 * (which win), then defaults, file checks and validation (src/cwl/inputs). Names in a job file the
 * process does not declare are warnings (cwltool ignores them; the conformance suite shares job
 * files between tools); unknown `--name` flags on the command line are errors.
 *
 * Modules are imported one by one, not through src/cwl/inputs/index.js: a run whose job file is in
 * the document cache then never loads the YAML parser.
 */
import { readFileSync } from 'node:fs';
import type { JobFile } from '../../cwl/inputs/index.js';
import type { Process, Requirement } from '../../cwl/index.js';
import type { RunOptions } from './runOptions.js';
import type { RunLog } from './runLog.js';

export interface BoundJob {
  inputs: Record<string, unknown>;
  /** `cwl:requirements` of the job file. */
  requirements: Requirement[];
}

export async function bindJobInputs(proc: Process, opts: RunOptions, log: RunLog): Promise<BoundJob> {
  let raw: Record<string, unknown> = {};
  let requirements: Requirement[] = [];
  let baseUri: string | undefined;
  if (opts.jobFile !== undefined) {
    const job = await readJobFile(opts.jobFile, opts.docCache, log);
    raw = job.inputs;
    requirements = job.requirements;
    baseUri = job.uri;
  }
  if (opts.inputArgs.length > 0) {
    const { parseCommandLineInputs } = await import('../../cwl/inputs/commandLineInputs.js');
    raw = { ...raw, ...parseCommandLineInputs(proc, opts.inputArgs) };
  }
  const { prepareInputs } = await import('../../cwl/inputs/prepareInputs.js');
  const inputs = await prepareInputs(proc, raw, { baseUri, unknownInputs: 'warn', warn: (m) => log.warn(m), requirements });
  return { inputs, requirements };
}

/** loadJobFile, through the document cache when it is on. */
async function readJobFile(file: string, useCache: boolean, log: RunLog): Promise<JobFile> {
  const cache = useCache ? await import('./documentCache.js') : undefined;
  const hit = cache?.cachedJobFile<JobFile>(file);
  if (hit !== undefined) {
    log.debug(`${file}: read from the document cache`);
    return hit;
  }
  const { loadJobFile } = await import('../../cwl/inputs/jobFile.js');
  const before = textOf(file);
  const job = await loadJobFile(file);
  // Stored only if the file did not change while it was read, so the entry matches its hash.
  if (cache && before !== undefined && textOf(file) === before) cache.storeJobFile(file, job, before);
  return job;
}

function textOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
