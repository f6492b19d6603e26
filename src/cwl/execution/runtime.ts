/**
 * The `runtime` object expressions see (CWL v1.2 §Runtime environment) and the resources a job
 * reserves (§ResourceRequirement).
 */
import { stringifyJson } from '../../util/index.js';
import { DocumentInvalidError } from '../errors.js';
import type { Requirement } from '../model.js';
import type { Evaluate } from './evaluation.js';

export interface Runtime {
  outdir: string;
  tmpdir: string;
  cores: number;
  ram: number;
  outdirSize: number;
  tmpdirSize: number;
  /** Set after the command ran, for `outputEval` (§Execution). */
  exitCode?: number;
}

type Resource = 'cores' | 'ram' | 'tmpdir' | 'outdir';

// §ResourceRequirement: defaults when neither min nor max is given.
const DEFAULTS: Record<Resource, number> = { cores: 1, ram: 256, tmpdir: 1024, outdir: 1024 };

/**
 * Build the runtime object. ResourceRequirement values may be expressions (evaluated against the
 * inputs and a runtime holding outdir/tmpdir only) and fractional; the reported amounts are the
 * minimum requested, rounded up to a whole number (§ResourceRequirement coresMin, ramMin...).
 */
export async function buildRuntime(
  resources: Requirement | undefined,
  paths: { outdir: string; tmpdir: string },
  inputs: Record<string, unknown>,
  evaluate: Evaluate,
): Promise<Runtime> {
  const partial = { outdir: paths.outdir, tmpdir: paths.tmpdir };
  const amount = async (resource: Resource): Promise<number> => {
    const read = async (field: string): Promise<number | undefined> => {
      const raw = resources?.[field];
      if (raw === undefined || raw === null) return undefined;
      const value = typeof raw === 'string' ? evaluate(raw, { inputs, self: null, runtime: partial }, { field: `ResourceRequirement.${field}` }) : raw;
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new DocumentInvalidError({ field: `ResourceRequirement.${field}` }, `expected a number, got ${stringifyJson(value)}`);
      }
      if (value < 0) throw new DocumentInvalidError({ field: `ResourceRequirement.${field}` }, `must not be negative (got ${value})`);
      return value;
    };
    const min = await read(`${resource}Min`);
    const max = await read(`${resource}Max`);
    if (min !== undefined && max !== undefined && max < min) {
      throw new DocumentInvalidError({ field: `ResourceRequirement.${resource}Max` }, `${resource}Max (${max}) is less than ${resource}Min (${min})`);
    }
    const requested = min ?? max ?? DEFAULTS[resource];
    // The reported amount must be a non-zero integer: round fractions up, never report 0.
    return Math.max(1, Math.ceil(requested));
  };
  return {
    outdir: paths.outdir,
    tmpdir: paths.tmpdir,
    cores: await amount('cores'),
    ram: await amount('ram'),
    outdirSize: await amount('outdir'),
    tmpdirSize: await amount('tmpdir'),
  };
}
