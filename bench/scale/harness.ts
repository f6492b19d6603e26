/**
 * The scale simulation (docs/scale.md), shared by `npm run bench:scale` and the default-run test
 * (test/htex/scale.test.ts): a DataFlowKernel with a real HighThroughputExecutor (real interchange
 * process, CurveZMQ on) whose provider starts no pools; instead `processes` forked processes run
 * `pools` SimulatedPools between them, which register with the interchange over loopback and run
 * no-op tasks at once or after `delayMs`. Measures registration time, tasks/s through the kernel,
 * the interchange's own CPU and peak RSS (from /proc), heartbeat lateness and pools lost.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFlowKernel, type AppDefinition, type AppFuture } from '../../src/dataflow/index.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import { LocalProvider } from '../../src/providers/local.js';
import type { FromPoolProcess, PoolProcessReport, ToPoolProcess } from './poolProcess.js';

export interface ScaleOptions {
  pools: number;
  /** Processes the simulated pools are spread over. */
  processes: number;
  workersPerPool: number;
  prefetch: number;
  tasks: number;
  /** Simulated task duration, ms (0: at once). */
  delayMs: number;
  heartbeatPeriodSec: number;
  heartbeatThresholdSec: number;
  /** CurveZMQ on every link (default true; false to price the encryption). */
  encrypted?: boolean;
  /** Write a CPU profile of the interchange to this folder (interchangeProfiler.ts). */
  profileDir?: string;
  /** Collect every kernel task id the pools ran (the exactly-once check); costs memory at scale. */
  recordTaskIds?: boolean;
  /** Give up (fail, never hang) after this long in all. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface ScaleResult {
  pools: number;
  workerSlots: number;
  registerS: number;
  tasks: number;
  tasksPerS: number;
  tasksS: number;
  tasksDone: number;
  /** Interchange CPU over the task phase, seconds, and as a share of one core. */
  interchangeCpuS: number;
  interchangeCpuPct: number;
  interchangeRegisterCpuS: number;
  /** The same split by thread kind (main JavaScript thread, libzmq I/O, other). */
  interchangeRegisterThreads: ThreadCpu;
  interchangeThreads: ThreadCpu;
  /** CPU of this process and of the simulators while the pools registered, s. */
  kernelRegisterCpuS: number;
  simulatorRegisterCpuS: number;
  interchangeRssMb: number;
  /** CPU of this process (kernel + executor client) and of the simulators over the task phase, s. */
  kernelCpuS: number;
  simulatorCpuS: number;
  /** Pools the interchange dropped (managerLost) or that were told to shut down before the end. */
  poolsLost: number;
  poolsAtEnd: number;
  lateHeartbeats: number;
  maxSilenceMs: number;
  maxHeartbeatAgoMs: number;
  /** Kernel task ids run more than once, and not at all (only with recordTaskIds). */
  duplicates: number | undefined;
  missing: number | undefined;
  peakKernelRssMb: number;
  simulatorLogs: string[];
}

const noop: AppDefinition<unknown, number> = { name: 'noop', identity: 'noop', cache: false, prepare: () => ({ kind: 'noop' }), complete: () => 0 };
const POOL_PROCESS = new URL('./poolProcess.js', import.meta.url);
const PROFILER = new URL('./interchangeProfiler.js', import.meta.url);
const CLOCK_TICKS_PER_S = 100;

/** utime + stime of a process, seconds. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/**
 * CPU seconds of a process's threads grouped by kind: `main` (the JavaScript thread), `zmq` (libzmq's
 * I/O threads: CurveZMQ encryption and TCP), `other` (V8 GC helpers, libuv's pool).
 */
export type ThreadCpu = { main: number; zmq: number; other: number };
function threadCpuOf(pid: number): ThreadCpu {
  const out: ThreadCpu = { main: 0, zmq: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const s = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
      if (Number(tid) === pid) out.main += s;
      else if (name.startsWith('ZMQbg')) out.zmq += s;
      else out.other += s;
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}
const minus = (a: ThreadCpu, b: ThreadCpu): ThreadCpu => ({ main: a.main - b.main, zmq: a.zmq - b.zmq, other: a.other - b.other });

/** VmHWM (peak resident set) of a process, MB. */
function peakRssMbOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

class PoolProcess {
  readonly child: ChildProcess;
  private readonly waiters = new Map<string, Array<(m: FromPoolProcess) => void>>();
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor() {
    // `advanced`: the task id lists are large arrays, cheaper as structured clone than JSON.
    this.child = fork(POOL_PROCESS, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (m: FromPoolProcess) => {
      if (m.type === 'failed') this.failure = new Error(`simulated pools failed: ${m.message}`);
      const list = this.waiters.get(m.type === 'failed' ? '*' : m.type);
      const next = list?.shift();
      next?.(m);
      if (m.type === 'failed') for (const l of this.waiters.values()) for (const w of l.splice(0)) w(m);
    });
    this.child.once('exit', (code, sig) => {
      this.failure ??= new Error(`a simulated pool process exited (${sig ?? `code ${code}`})`);
      for (const l of this.waiters.values()) for (const w of l.splice(0)) w({ type: 'failed', message: this.failure.message });
    });
  }

  next<T extends FromPoolProcess['type']>(type: T): Promise<Extract<FromPoolProcess, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const list = this.waiters.get(type) ?? [];
      list.push((m) => (m.type === 'failed' ? reject(new Error(m.message)) : resolve(m as Extract<FromPoolProcess, { type: T }>)));
      this.waiters.set(type, list);
    });
  }

  send(m: ToPoolProcess): void {
    if (this.child.connected) this.child.send(m);
  }

  async stop(): Promise<void> {
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Rejects with `what` if `p` has not settled in `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`scale simulation: ${what} took longer than ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runScaleSimulation(o: ScaleOptions): Promise<ScaleResult> {
  const log = o.log ?? ((): void => undefined);
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  const left = (): number => Math.max(1, deadline - Date.now());
  const base = mkdtempSync(join(tmpdir(), 'pcwl-scale-'));
  const lost: string[] = [];
  const executorLines: string[] = [];
  const executor = new HighThroughputExecutor({
    // No real pools: the simulated ones stand for them. No scaling either.
    provider: new LocalProvider({ initBlocks: 0, minBlocks: 0, maxBlocks: 0 }),
    strategy: false,
    workersPerPool: o.workersPerPool,
    encrypted: o.encrypted ?? true,
    prefetchCapacity: o.prefetch,
    addresses: ['127.0.0.1'],
    workerBindInterface: '127.0.0.1',
    heartbeatPeriodSec: o.heartbeatPeriodSec,
    heartbeatThresholdSec: o.heartbeatThresholdSec,
  });
  if (o.profileDir) {
    // Children inherit these: the interchange the executor spawns next profiles itself.
    process.env.PCWL_SCALE_PROFILE_DIR = o.profileDir;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${PROFILER.href}`.trim();
  }
  const dfk = await DataFlowKernel.load({
    executors: [executor],
    runDir: join(base, 'runinfo'),
    log: (line) => {
      if (/ lost: /.test(line)) lost.push(line);
      if (/htex: (?!pool )/.test(line) && executorLines.length < 20) executorLines.push(line);
    },
  });
  const sims: PoolProcess[] = [];
  let heartbeatWatch: NodeJS.Timeout | undefined;
  try {
    const { workerPort, certDir, interchangePid } = executor.endpoints();
    if (interchangePid === undefined) throw new Error('scale simulation: the interchange has no pid');
    for (let i = 0; i < o.processes; i++) sims.push(new PoolProcess());
    const loaded = await within(Promise.all(sims.map((s) => s.next('loaded'))), left(), 'starting the simulator processes');
    log(`# ${o.processes} simulator processes loaded; registering ${o.pools} pools`);

    const cpuBeforeRegister = cpuSecondsOf(interchangePid);
    const threadsBeforeRegister = threadCpuOf(interchangePid);
    const kernelRegisterCpu0 = process.cpuUsage();
    const r0 = performance.now();
    const registered = sims.map((s) => s.next('registered'));
    sims.forEach((s, i) => {
      const poolIds: string[] = [];
      for (let p = i; p < o.pools; p += o.processes) poolIds.push(`sim-${String(p).padStart(5, '0')}`);
      s.send({
        type: 'start',
        endpoint: `tcp://127.0.0.1:${workerPort}`,
        certDir,
        poolIds,
        workers: o.workersPerPool,
        prefetch: o.prefetch,
        delayMs: o.delayMs,
        heartbeatPeriodMs: o.heartbeatPeriodSec * 1000,
        heartbeatThresholdMs: o.heartbeatThresholdSec * 1000,
        recordTaskIds: o.recordTaskIds ?? false,
      });
    });
    const registeredReports = await within(Promise.all(registered), left(), `registering ${o.pools} pools`);
    const registerS = (performance.now() - r0) / 1000;
    const kernelRegisterCpu = process.cpuUsage(kernelRegisterCpu0);
    const simulatorRegisterCpuS = (registeredReports.reduce((n, r) => n + r.cpuMs, 0) - loaded.reduce((n, r) => n + r.cpuMs, 0)) / 1000;
    const interchangeRegisterCpuS = cpuSecondsOf(interchangePid) - cpuBeforeRegister;
    const interchangeRegisterThreads = minus(threadCpuOf(interchangePid), threadsBeforeRegister);
    log(`# all ${o.pools} pools registered in ${registerS.toFixed(2)} s`);

    // How stale the interchange's view of each pool gets (its status reports, every heartbeat period).
    let maxHeartbeatAgoMs = 0;
    heartbeatWatch = setInterval(() => {
      for (const m of executor.managers()) maxHeartbeatAgoMs = Math.max(maxHeartbeatAgoMs, m.lastHeartbeatAgoMs);
    }, 500);

    const cpu0 = cpuSecondsOf(interchangePid);
    const threads0 = threadCpuOf(interchangePid);
    const simCpu0 = (await Promise.all(sims.map(async (s) => (s.send({ type: 'report' }), s.next('report'))))).reduce((n, r) => n + r.cpuMs, 0);
    const kernelCpu0 = process.cpuUsage();
    const t0 = performance.now();
    const futures: AppFuture<number>[] = new Array(o.tasks);
    for (let i = 0; i < o.tasks; i++) futures[i] = dfk.submit(noop, undefined);
    await within(dfk.waitForCurrentTasks(), left(), `running ${o.tasks} tasks`);
    const tasksS = (performance.now() - t0) / 1000;
    const failedTask = futures.find((f) => f.state !== 'exec_done');
    if (failedTask) {
      const err = failedTask.record.error;
      const tail = (() => {
        try {
          return readFileSync(join(dfk.runDir, 'interchange.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
        } catch {
          return '';
        }
      })();
      throw new Error(`scale simulation: task ${failedTask.taskId} ended ${failedTask.state}: ${err instanceof Error ? err.message : String(err)}; executor log: ${executorLines.join(' | ')}; interchange log: ${tail}`);
    }
    const kernelCpu = process.cpuUsage(kernelCpu0);
    const interchangeCpuS = cpuSecondsOf(interchangePid) - cpu0;
    const interchangeThreads = minus(threadCpuOf(interchangePid), threads0);
    const tasksDone = futures.filter((f) => f.state === 'exec_done').length;

    const managers = await executor.command({ command: 'managers' });
    const poolsAtEnd = managers.command === 'managers' ? managers.managers.length : 0;
    const reports: PoolProcessReport[] = await within(Promise.all(sims.map(async (s) => (s.send({ type: 'report' }), s.next('report')))), left(), 'collecting reports');
    const interchangeRssMb = peakRssMbOf(interchangePid);

    let duplicates: number | undefined;
    let missing: number | undefined;
    if (o.recordTaskIds) {
      const counts = new Uint8Array(o.tasks);
      const firstId = futures[0]?.taskId ?? 0;
      duplicates = 0;
      for (const r of reports) {
        for (const id of r.taskIds ?? []) {
          const i = id - firstId;
          if (i < 0 || i >= o.tasks) continue;
          if (counts[i]! > 0) duplicates++;
          counts[i] = Math.min(255, counts[i]! + 1);
        }
      }
      missing = counts.reduce((n, c) => n + (c === 0 ? 1 : 0), 0);
    }
    const shutDownEarly = reports.reduce((n, r) => n + r.shutDownEarly, 0);
    return {
      pools: o.pools,
      workerSlots: o.pools * o.workersPerPool,
      registerS,
      tasks: o.tasks,
      tasksPerS: o.tasks / tasksS,
      tasksS,
      tasksDone,
      interchangeCpuS,
      interchangeCpuPct: (100 * interchangeCpuS) / tasksS,
      interchangeRegisterCpuS,
      interchangeRegisterThreads,
      interchangeThreads,
      kernelRegisterCpuS: (kernelRegisterCpu.user + kernelRegisterCpu.system) / 1e6,
      simulatorRegisterCpuS,
      interchangeRssMb,
      kernelCpuS: (kernelCpu.user + kernelCpu.system) / 1e6,
      simulatorCpuS: (reports.reduce((n, r) => n + r.cpuMs, 0) - simCpu0) / 1000,
      poolsLost: Math.max(lost.length, shutDownEarly, o.pools - poolsAtEnd),
      poolsAtEnd,
      lateHeartbeats: reports.reduce((n, r) => n + r.lateHeartbeats, 0),
      maxSilenceMs: reports.reduce((n, r) => Math.max(n, r.maxSilenceMs), 0),
      maxHeartbeatAgoMs,
      duplicates,
      missing,
      peakKernelRssMb: process.resourceUsage().maxRSS / 1024,
      simulatorLogs: reports.flatMap((r) => r.logs),
    };
  } finally {
    if (heartbeatWatch) clearInterval(heartbeatWatch);
    await Promise.allSettled(sims.map((s) => s.stop()));
    await dfk.shutdown();
    rmSync(base, { recursive: true, force: true });
  }
}
