/**
 * Slurm benchmark (issue 7): the HighThroughputExecutor with its pools provisioned by Slurm beside
 * the same executor on a LocalProvider, in the same run. For each: time to first result (executor
 * start, block submission and scheduling, pool start and registration, one `true` task) and task
 * throughput (N bash `true` tasks and N no-op tasks through executor.submit), 2 workers per pool.
 *
 *   npm run bench:slurm [-- --n 2000 --blocks 1]
 *
 * Needs a running Slurm (test/slurm/start-local-slurm.sh); without sinfo it measures local HTEX only
 * and says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TaskSpec } from '../src/executors/executor.js';
import { HighThroughputExecutor } from '../src/executors/htex/executor.js';
import { LocalProvider } from '../src/providers/local.js';
import type { ExecutionProvider } from '../src/providers/provider.js';
import { SlurmProvider } from '../src/providers/slurm/index.js';

interface Figures {
  firstResultSec: number;
  bashPerSec: number;
  noopPerSec: number;
}

async function measure(provider: ExecutionProvider, n: number, workers: number): Promise<Figures> {
  const runDir = mkdtempSync(join(tmpdir(), 'pcwl-bench-slurm-'));
  const executor = new HighThroughputExecutor({
    label: provider.label,
    provider,
    workersPerPool: workers,
    workerBindInterface: '127.0.0.1',
    addresses: ['127.0.0.1'],
    strategy: false,
  });
  let taskId = 0;
  const run = (spec: TaskSpec): Promise<unknown> => executor.submit({ taskId: ++taskId, attempt: 0, spec });
  try {
    const started = performance.now();
    await executor.start({ runDir, log: () => undefined });
    await run({ kind: 'bash', command: 'true' });
    const firstResultSec = (performance.now() - started) / 1000;

    let t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => run({ kind: 'bash', command: 'true' })));
    const bashPerSec = n / ((performance.now() - t0) / 1000);

    t0 = performance.now();
    await Promise.all(Array.from({ length: n * 10 }, () => run({ kind: 'noop' })));
    const noopPerSec = (n * 10) / ((performance.now() - t0) / 1000);
    return { firstResultSec, bashPerSec, noopPerSec };
  } finally {
    await executor.shutdown();
    rmSync(runDir, { recursive: true, force: true });
  }
}

function slurmUp(): boolean {
  try {
    return /\b(idle|mixed|allocated)\b/.test(execFileSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8', timeout: 10_000 }));
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, blocks: { type: 'string', default: '1' }, workers: { type: 'string', default: '2' } } });
  const n = Number(values.n);
  const blocks = Number(values.blocks);
  const workers = Number(values.workers);
  console.log(`# HTEX, ${blocks} block(s) x ${workers} workers, ${n} bash tasks and ${n * 10} no-op tasks; CurveZMQ on`);

  const local = await measure(new LocalProvider({ initBlocks: blocks, maxBlocks: blocks }), n, workers);
  const rows: [string, Figures][] = [['local_htex', local]];
  if (slurmUp()) {
    const label = `benchslurm${process.pid}`;
    rows.push(['slurm_htex', await measure(new SlurmProvider({ label, initBlocks: blocks, maxBlocks: blocks, walltime: '00:10:00' }), n, workers)]);
  } else {
    console.log('# no usable Slurm (sinfo); start one with test/slurm/start-local-slurm.sh to compare');
  }
  for (const [name, f] of rows) {
    console.log(`${name} first_result_s ${f.firstResultSec.toFixed(2)}`);
    console.log(`${name} bash_tasks_per_s ${Math.round(f.bashPerSec)}`);
    console.log(`${name} noop_tasks_per_s ${Math.round(f.noopPerSec)}`);
  }
  const slurm = rows[1]?.[1];
  if (slurm) {
    console.log(`ratio slurm/local first_result ${(slurm.firstResultSec / local.firstResultSec).toFixed(2)}x, bash throughput ${(slurm.bashPerSec / local.bashPerSec).toFixed(2)}x`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
