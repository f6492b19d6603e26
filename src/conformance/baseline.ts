/**
 * The conformance ratchet: conformance/baseline.json lists the ids of tests that pass. A check
 * fails when a listed test does not pass, and reports the new passes so the list can be raised.
 * Raising only adds ids; a test is dropped from the list by editing the file, on purpose.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { BaselineInvalidError } from './errors.js';
import type { TestResult } from './testRun.js';

export interface Baseline {
  description: string;
  /** The suite the ids belong to. */
  suite: string;
  /** The test sets the ratchet runs (`--set`). */
  sets: string[];
  /** Ids of tests that pass, sorted. */
  passing: string[];
}

export async function readBaseline(file: string, options: { allowMissing?: boolean } = {}): Promise<Baseline | undefined> {
  if (!existsSync(file)) {
    if (options.allowMissing) return undefined;
    throw new BaselineInvalidError(file, 'does not exist; create it with --update-baseline');
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new BaselineInvalidError(file, `is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const record = data as Partial<Baseline> | null;
  if (typeof record !== 'object' || record === null || !Array.isArray(record.passing) || !record.passing.every((id) => typeof id === 'string')) {
    throw new BaselineInvalidError(file, 'must be an object whose "passing" is a list of test ids');
  }
  return {
    description: typeof record.description === 'string' ? record.description : '',
    suite: typeof record.suite === 'string' ? record.suite : '',
    sets: Array.isArray(record.sets) ? record.sets.filter((s): s is string => typeof s === 'string') : [],
    passing: record.passing,
  };
}

export interface BaselineCheck {
  /** Baseline tests that ran and did not pass. */
  regressions: TestResult[];
  /** Tests that passed and are not in the baseline yet. */
  newPasses: string[];
  /** Baseline tests that were not part of this run (another selection, or interrupted). */
  notRun: string[];
}

export function checkBaseline(baseline: Baseline, results: TestResult[]): BaselineCheck {
  const listed = new Set(baseline.passing);
  const ran = new Set(results.map((r) => r.id));
  return {
    regressions: results.filter((r) => listed.has(r.id) && r.status !== 'passed'),
    newPasses: results.filter((r) => r.status === 'passed' && !listed.has(r.id)).map((r) => r.id),
    notRun: baseline.passing.filter((id) => !ran.has(id)),
  };
}

/** Ids the baseline names that the suite does not have (a renamed or removed test). */
export function unknownBaselineIds(baseline: Baseline, suiteIds: Iterable<string>): string[] {
  const known = new Set(suiteIds);
  return baseline.passing.filter((id) => !known.has(id));
}

/** The baseline with the new passes added (never removes an id). */
export function raiseBaseline(baseline: Baseline | undefined, newPasses: string[], defaults: Omit<Baseline, 'passing'>): Baseline {
  const passing = [...new Set([...(baseline?.passing ?? []), ...newPasses])].sort();
  return {
    description: baseline?.description || defaults.description,
    suite: baseline?.suite || defaults.suite,
    sets: baseline?.sets.length ? baseline.sets : defaults.sets,
    passing,
  };
}

export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  await writeFile(file, JSON.stringify(baseline, null, 2) + '\n');
}
