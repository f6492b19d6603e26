/**
 * bench:elastic (issue 16): a bursty CWL workflow (a 64-way scatter of 2 s steps, then one 20 s
 * step, then another 64-way scatter) on the simulated Slurm (test/slurm/start-local-slurm.sh), run
 * with (a) max_blocks held from start to end (Parsl's default) and (b) the elastic scaler
 * (min_blocks 0, short max_idle_time, blocks still queued cancelled). For both: makespan,
 * provisioned core-seconds (Slurm's RunTime x NumCPUs of every block), busy core-seconds (the
 * pools' busy worker-seconds, one core per worker) and efficiency = busy / provisioned; and where
 * the rest went: pools idle (pool-reported idle worker-seconds) and blocks before their pool
 * registered or after it left (start-up and teardown).
 *
 *   npm run bench:elastic [-- --blocks 8 --workers 4 --width 64 --short 2 --long 20 --mode fixed,elastic
 *                            --period 0.5 --idle 1 --elastic-init 8 --keep --no-floor]
 *
 * Before the two runs it measures the machine's start-up floor without Slurm (floor_*_start_s):
 * one block's pool and workers, and all blocks' at once, started by the LocalProvider.
 *
 * Both runs start the same blocks (init_blocks = max_blocks, unless --elastic-init says otherwise):
 * they differ only in what the scaler does afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProcess } from '../src/cwl/load/index.js';
import type { Workflow } from '../src/cwl/model.js';
import { runWorkflowOnKernel } from '../src/cwl/workflow/index.js';
import { DataFlowKernel } from '../src/dataflow/index.js';
import { HighThroughputExecutor } from '../src/executors/htex/executor.js';
import { LocalProvider } from '../src/providers/index.js';
import { SlurmProvider } from '../src/providers/slurm/index.js';

const SLEEP_TOOL = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: sleep
inputs:
  sec: {type: int, inputBinding: {position: 1}}
  i: {type: int?}
  after: {type: Any?}
outputs:
  done: {type: int, outputBinding: {outputEval: $(inputs.sec)}}
`;

const BURSTY_WORKFLOW = `cwlVersion: v1.2
class: Workflow
requirements: {ScatterFeatureRequirement: {}}
inputs: {xs: 'int[]', short: int, long: int}
outputs:
  out: {type: 'int[]', outputSource: burst2/done}
steps:
  burst1: {run: sleep.cwl, scatter: i, in: {i: xs, sec: short}, out: [done]}
  long: {run: sleep.cwl, in: {sec: long, after: burst1/done}, out: [done]}
  burst2: {run: sleep.cwl, scatter: i, in: {i: xs, sec: short, after: long/done}, out: [done]}
`;

interface Options {
  blocks: number;
  workers: number;
  width: number;
  shortSec: number;
  longSec: number;
  periodSec: number;
  maxIdleSec: number;
  /** init_blocks of the elastic run (the fixed run starts max_blocks). */
  elasticInit: number;
}

interface Figures {
  makespanSec: number;
  provisionedCoreSec: number;
  busyCoreSec: number;
  poolIdleCoreSec: number;
  blocks: number;
  /** Seconds from a block's start in Slurm to its pool's registration, median. */
  poolStartSecMedian: number;
  /** Seconds from the last scale-out to the last of its pools registering (elastic: the second burst's wait). */
  lastScaleOutSec: number;
}

/** Slurm's own account of a job: RunTime (seconds) and NumCPUs; finished jobs stay listed for MinJobAge (300 s). */
function jobCoreSeconds(jobId: string): { runSec: number; cpus: number; start: number } {
  const out = execFileSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8', timeout: 10_000 });
  const field = (name: string): string => new RegExp(`\\b${name}=(\\S+)`).exec(out)?.[1] ?? '';
  const [d, hms] = field('RunTime').includes('-') ? field('RunTime').split('-') : ['0', field('RunTime')];
  const [h = 0, m = 0, s = 0] = (hms ?? '').split(':').map(Number);
  return { runSec: Number(d) * 86400 + h * 3600 + m * 60 + s, cpus: Number(field('NumCPUs')), start: Date.parse(`${field('StartTime')}Z`) };
}

async function runOnce(mode: 'fixed' | 'elastic', o: Options, wf: Workflow, dir: string): Promise<Figures> {
  const label = `bench${mode}${process.pid}`;
  const fixed = mode === 'fixed';
  const provider = new SlurmProvider({
    label,
    walltime: '00:30:00',
    coresPerNode: o.workers,
    exclusive: true,
    initBlocks: fixed ? o.blocks : o.elasticInit,
    minBlocks: fixed ? o.blocks : 0,
    maxBlocks: o.blocks,
    cmdTimeout: 30,
  });
  const executor = new HighThroughputExecutor({
    label,
    provider,
    workersPerPool: o.workers,
    heartbeatPeriodSec: 0.5,
    heartbeatThresholdSec: 10,
    workerBindInterface: '127.0.0.1',
    addresses: ['127.0.0.1'],
    // fixed: the blocks of init_blocks, never changed. elastic: a round every --period s, a block idle --idle s goes.
    strategy: fixed ? false : { periodSec: o.periodSec, maxIdleTimeSec: o.maxIdleSec },
  });
  const runDir = join(dir, mode);
  const started = performance.now();
  const dfk = await DataFlowKernel.load({ executors: [executor], runDir: join(runDir, 'runinfo') });
  let makespanSec = 0;
  let usage = { busyWorkerSec: 0, idleWorkerSec: 0 };
  try {
    const xs = Array.from({ length: o.width }, (_, i) => i);
    await runWorkflowOnKernel(wf, { xs, short: o.shortSec, long: o.longSec }, { runDir, dfk });
    makespanSec = (performance.now() - started) / 1000;
    // The pools' last reports (every heartbeat) then hold every task's busy time.
    await new Promise((r) => setTimeout(r, 1200));
    usage = executor.usage();
  } finally {
    await dfk.shutdown();
  }
  const log = readFileSync(dfk.logPath, 'utf8');
  const jobs = new Map([...log.matchAll(/block (\d+) submitted to the \S+ provider as job (\d+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const registered = new Map<string, number>();
  for (const m of log.matchAll(/^(\S+) \[[^\]]+\] htex: pool \S+ registered \(block (\d+),/gm)) if (!registered.has(m[2] ?? '')) registered.set(m[2] ?? '', Date.parse(m[1] ?? ''));
  let provisioned = 0;
  const poolStarts: number[] = [];
  for (const [blockId, jobId] of jobs) {
    const job = jobCoreSeconds(jobId);
    provisioned += job.runSec * job.cpus;
    const reg = registered.get(blockId);
    if (reg !== undefined && Number.isFinite(job.start)) poolStarts.push((reg - job.start) / 1000);
  }
  poolStarts.sort((a, b) => a - b);
  // The last scale-out round and the registrations of the blocks it submitted.
  const outs = [...log.matchAll(/^(\S+) \S+ htex: block (\d+) submitted/gm)].map((m) => ({ at: Date.parse(m[1] ?? ''), blockId: m[2] ?? '' }));
  const lastRound = outs.filter((o) => o.at >= (outs.at(-1)?.at ?? 0) - 2000);
  const lastRegs = lastRound.map((o) => registered.get(o.blockId)).filter((t): t is number => t !== undefined);
  const lastScaleOutSec = lastRegs.length > 0 ? (Math.max(...lastRegs) - (lastRound[0]?.at ?? 0)) / 1000 : NaN;
  return {
    makespanSec,
    provisionedCoreSec: provisioned,
    busyCoreSec: usage.busyWorkerSec,
    poolIdleCoreSec: usage.idleWorkerSec,
    blocks: jobs.size,
    poolStartSecMedian: poolStarts[Math.floor(poolStarts.length / 2)] ?? NaN,
    lastScaleOutSec,
  };
}

const WIDE_WORKFLOW = `cwlVersion: v1.2
class: Workflow
requirements: {ScatterFeatureRequirement: {}}
inputs: {xs: 'int[]', short: int}
outputs:
  out: {type: 'int[]', outputSource: s/done}
steps:
  s: {run: sleep.cwl, scatter: i, in: {i: xs, sec: short}, out: [done]}
`;

/**
 * The machine's floor for a block's start-up, without Slurm: `blocks` pools of `workers` workers
 * started at once by the LocalProvider (the same pool command), each worker given one 2 s step.
 * Returns the seconds from starting the kernel to the last step's end, minus the 2 s of the step:
 * the time until every worker was running its task. On a cluster each pool starts on a node of its
 * own; here they share this machine's cores, so the floor for 8 blocks shows what that sharing costs.
 */
async function startFloorSec(blocks: number, o: Options, dir: string): Promise<number> {
  const label = `floor${blocks}x${process.pid}`;
  const provider = new LocalProvider({ initBlocks: blocks, minBlocks: blocks, maxBlocks: blocks });
  const executor = new HighThroughputExecutor({ label, provider, workersPerPool: o.workers, heartbeatPeriodSec: 0.5, heartbeatThresholdSec: 10, workerBindInterface: '127.0.0.1', addresses: ['127.0.0.1'], strategy: false });
  const runDir = join(dir, label);
  writeFileSync(join(dir, 'wide.cwl'), WIDE_WORKFLOW);
  const wf = (await loadProcess(join(dir, 'wide.cwl'))) as Workflow;
  const started = performance.now();
  const dfk = await DataFlowKernel.load({ executors: [executor], runDir: join(runDir, 'runinfo') });
  try {
    await runWorkflowOnKernel(wf, { xs: Array.from({ length: blocks * o.workers }, (_, i) => i), short: 2 }, { runDir, dfk });
    return (performance.now() - started) / 1000 - 2;
  } finally {
    await dfk.shutdown();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      blocks: { type: 'string', default: '8' },
      workers: { type: 'string', default: '4' },
      width: { type: 'string', default: '64' },
      short: { type: 'string', default: '2' },
      long: { type: 'string', default: '20' },
      mode: { type: 'string', default: 'fixed,elastic' },
      period: { type: 'string', default: '0.5' },
      idle: { type: 'string', default: '1' },
      'elastic-init': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-floor': { type: 'boolean', default: false },
    },
  });
  const o: Options = { blocks: Number(values.blocks), workers: Number(values.workers), width: Number(values.width), shortSec: Number(values.short), longSec: Number(values.long), periodSec: Number(values.period), maxIdleSec: Number(values.idle), elasticInit: Number(values['elastic-init'] ?? values.blocks) };
  const dir = mkdtempSync(join(tmpdir(), 'pcwl-bench-elastic-'));
  try {
    writeFileSync(join(dir, 'sleep.cwl'), SLEEP_TOOL);
    writeFileSync(join(dir, 'bursty.cwl'), BURSTY_WORKFLOW);
    const wf = (await loadProcess(join(dir, 'bursty.cwl'))) as Workflow;
    console.log(
      `# bursty workflow: ${o.width} x ${o.shortSec} s, 1 x ${o.longSec} s, ${o.width} x ${o.shortSec} s; blocks of 1 node x ${o.workers} workers, max_blocks ${o.blocks}; elastic: init_blocks ${o.elasticInit}, min_blocks 0, period ${o.periodSec} s, max_idle_time ${o.maxIdleSec} s; load ${loadavg()[0]?.toFixed(1)}`,
    );
    if (!values['no-floor']) {
      // Before the runs, without Slurm: how long this machine takes to have one block's workers, and all blocks' workers, running.
      console.log(`floor_one_block_start_s ${(await startFloorSec(1, o, dir)).toFixed(1)}`);
      console.log(`floor_${o.blocks}_blocks_start_s ${(await startFloorSec(o.blocks, o, dir)).toFixed(1)}`);
    }
    const results: [string, Figures][] = [];
    for (const mode of values.mode.split(',') as ('fixed' | 'elastic')[]) {
      const f = await runOnce(mode, o, wf, dir);
      results.push([mode, f]);
      console.log(`${mode}_makespan_s ${f.makespanSec.toFixed(1)}`);
      console.log(`${mode}_provisioned_core_s ${f.provisionedCoreSec.toFixed(0)}`);
      console.log(`${mode}_busy_core_s ${f.busyCoreSec.toFixed(0)}`);
      console.log(`${mode}_efficiency ${(f.busyCoreSec / f.provisionedCoreSec).toFixed(2)}`);
      console.log(`${mode}_blocks ${f.blocks}`);
      console.log(`${mode}_pool_idle_core_s ${f.poolIdleCoreSec.toFixed(0)}`);
      console.log(`${mode}_startup_teardown_core_s ${(f.provisionedCoreSec - f.busyCoreSec - f.poolIdleCoreSec).toFixed(0)}`);
      console.log(`${mode}_pool_start_s_median ${f.poolStartSecMedian.toFixed(1)}`);
      console.log(`${mode}_last_scale_out_to_pools_s ${f.lastScaleOutSec.toFixed(1)}`);
      // What efficiency would be if no worker ever waited for a task: start-up and teardown alone.
      console.log(`${mode}_efficiency_ceiling_no_idle ${(f.busyCoreSec / (f.provisionedCoreSec - f.poolIdleCoreSec)).toFixed(2)}`);
    }
    const [fixed, elastic] = [results[0]?.[1], results[1]?.[1]];
    if (fixed && elastic) {
      const ratio = elastic.makespanSec / fixed.makespanSec;
      const eff = elastic.busyCoreSec / elastic.provisionedCoreSec;
      console.log(`makespan_ratio ${ratio.toFixed(2)}`);
      // The nominal work: what the steps sleep, one core each.
      console.log(`nominal_busy_core_s ${2 * o.width * o.shortSec + o.longSec}`);
      console.log(`target_met ${eff >= 0.8 && ratio <= 1.15 ? 'yes' : 'no'} (elastic_efficiency >= 0.8 and makespan_ratio <= 1.15)`);
    }
    console.log(`# load at the end ${loadavg()[0]?.toFixed(1)}`);
  } finally {
    if (values.keep) console.log(`# kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
