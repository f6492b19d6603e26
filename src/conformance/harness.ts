/**
 * Runs a selection of conformance tests, N at a time, and collects their results in suite order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConformanceTest } from './testList.js';
import { runConformanceTest, type TestResult } from './testRun.js';

export interface HarnessOptions {
  /** The runner's argv, program resolved (see resolveRunner). */
  runner: string[];
  suiteDir: string;
  tests: ConformanceTest[];
  /** Tests run at the same time. */
  jobs: number;
  timeoutSeconds: number;
  /** Called as each test finishes (in finishing order). */
  onResult?: (result: TestResult, finished: number, total: number) => void;
  /** Aborting stops the running tests (they fail as interrupted) and starts no more. */
  signal?: AbortSignal;
}

export interface HarnessRun {
  /** In suite order; tests not started because of an abort are left out. */
  results: TestResult[];
  wallMs: number;
}

export async function runTests(options: HarnessOptions): Promise<HarnessRun> {
  const start = performance.now();
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-conformance-io-'));
  const results: (TestResult | undefined)[] = new Array(options.tests.length);
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    while (next < options.tests.length && !options.signal?.aborted) {
      const index = next++;
      const test = options.tests[index] as ConformanceTest;
      const runOptions = { runner: options.runner, suiteDir: options.suiteDir, timeoutSeconds: options.timeoutSeconds, scratchDir };
      const result = await runConformanceTest(test, options.signal ? { ...runOptions, signal: options.signal } : runOptions);
      results[index] = result;
      options.onResult?.(result, ++finished, options.tests.length);
    }
  };
  try {
    const width = Math.max(1, Math.min(options.jobs, options.tests.length));
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
  return { results: results.filter((r): r is TestResult => r !== undefined), wallMs: performance.now() - start };
}
