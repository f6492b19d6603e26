/**
 * Kernel benchmark: submit 100,000 no-op tasks to a DataFlowKernel with the local executor and wait
 * for all of them. Prints submissions/s (the submit loop alone), completions/s (first submit to
 * last completion) and peak RSS, beside the targets of issue 4. A second round chains each task on
 * the previous one's future, to price dependency tracking.
 *
 *   npm run bench:kernel [-- --tasks N --no-record]
 *
 * The run record (docs/run-record.md) is on, as for any kernel; `--no-record` turns it off, so
 * that two runs give its cost per task on the kernel's hot path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFlowKernel, type AppFuture } from '../src/index.js';
import type { AppDefinition } from '../src/dataflow/index.js';

const argTasks = process.argv.indexOf('--tasks');
const N = argTasks > 0 ? Number(process.argv[argTasks + 1]) : 100_000;
const RECORD = !process.argv.includes('--no-record');

const noop: AppDefinition<unknown, number> = {
  name: 'noop',
  identity: 'noop',
  cache: false,
  prepare: () => ({ kind: 'noop' }),
  complete: () => 0,
};

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'pcwl-bench-kernel-'));
  try {
    const loadStart = performance.now();
    const dfk = await DataFlowKernel.load({ runDir: join(base, 'runinfo'), ...(RECORD ? {} : { record: false }) });
    const loadMs = performance.now() - loadStart;

    const t0 = performance.now();
    const futures: AppFuture<number>[] = new Array(N);
    for (let i = 0; i < N; i++) futures[i] = dfk.submit(noop, undefined);
    const t1 = performance.now();
    await dfk.waitForCurrentTasks();
    const t2 = performance.now();
    const done = futures.filter((f) => f.state === 'exec_done').length;
    if (done !== N) throw new Error(`only ${done} of ${N} tasks finished exec_done`);

    // Round 2: a chain, each task depending on the previous one's future.
    const c0 = performance.now();
    let prev: AppFuture<number> | undefined;
    for (let i = 0; i < N; i++) prev = dfk.submit(noop, prev === undefined ? undefined : { after: prev });
    const c1 = performance.now();
    await prev;
    const c2 = performance.now();
    await dfk.shutdown();

    const subPerS = N / ((t1 - t0) / 1000);
    const donePerS = N / ((t2 - t0) / 1000);
    const rss = peakRssMb();
    const line = (k: string, v: number, target: string): void => console.log(`${k.padEnd(34)} ${v.toFixed(0).padStart(10)}   ${target}`);
    console.log(`# DataFlowKernel, ${N} no-op tasks, local executor, run record ${RECORD ? 'on' : 'off'} (node ${process.version})`);
    line('kernel_load_ms', loadMs, '');
    line('kernel_submissions_per_s', subPerS, 'target >= 50,000');
    line('kernel_completions_per_s', donePerS, '(submit of the first to completion of the last)');
    line('chained_submissions_per_s', N / ((c1 - c0) / 1000), '(each task depends on the previous future)');
    line('chained_completions_per_s', N / ((c2 - c0) / 1000), '');
    line('peak_rss_mb', rss, 'target <= 600');
    console.log('# peer, from docs/measurements.md (2026-11-22, not measured in this run): Parsl HTEX, 2 workers: ~1,100-1,230 no-op tasks/s');
    const ok = subPerS >= 50_000 && rss <= 600;
    console.log(ok ? 'targets met' : 'TARGETS MISSED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
