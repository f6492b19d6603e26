/**
 * One process of simulated pools (forked by harness.ts with an IPC channel): on `start` it runs
 * its share of SimulatedPools against the interchange, all at once as nodes of a big allocation
 * would, and says when every one registered; on `report` it answers with their statistics; on
 * `stop` it closes them and exits.
 */
import { loadClientKeys } from '../../src/executors/htex/certificates.js';
import { SimulatedPool } from './simulatedPool.js';

export interface PoolProcessStart {
  type: 'start';
  endpoint: string;
  certDir: string | null;
  /** Pool ids of this process; each is its own block. */
  poolIds: string[];
  workers: number;
  prefetch: number;
  delayMs: number;
  heartbeatPeriodMs: number;
  heartbeatThresholdMs: number;
  /** Send back every kernel task id run (exactly-once checks in the test); else only counts. */
  recordTaskIds: boolean;
}

export type ToPoolProcess = PoolProcessStart | { type: 'report' } | { type: 'stop' };

export interface PoolProcessReport {
  type: 'report';
  pools: number;
  tasks: number;
  lateHeartbeats: number;
  maxSilenceMs: number;
  shutDownEarly: number;
  cpuMs: number;
  taskIds: number[] | undefined;
  logs: string[];
}

export type FromPoolProcess =
  | { type: 'loaded'; cpuMs: number }
  | { type: 'registered'; pools: number; lastAtMs: number; cpuMs: number }
  | { type: 'failed'; message: string }
  | PoolProcessReport;

const send = (m: FromPoolProcess): void => {
  process.send?.(m);
};

const pools: SimulatedPool[] = [];
const logs: string[] = [];
const log = (line: string): void => {
  if (logs.length < 50) logs.push(line);
};
let taskIds: number[] | undefined;

async function start(m: PoolProcessStart): Promise<void> {
  const zmq = await import('zeromq');
  // Hundreds of sockets in one context (libzmq's default limit is 1023), on one I/O thread.
  const context = new zmq.Context({ maxSockets: Math.min(2 * m.poolIds.length + 64, 65_000), ioThreads: 1 });
  const keys = m.certDir ? await loadClientKeys(m.certDir) : undefined;
  const curve = keys ? { curveServerKey: keys.serverPublicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey } : {};
  if (m.recordTaskIds) taskIds = [];
  const ids = taskIds;
  const ran = ids ? (id: number): void => void ids.push(id) : (): void => undefined;
  for (const poolId of m.poolIds) {
    pools.push(
      new SimulatedPool({
        zmq,
        context,
        endpoint: m.endpoint,
        curve,
        poolId,
        blockId: poolId,
        workers: m.workers,
        prefetch: m.prefetch,
        delayMs: m.delayMs,
        heartbeatPeriodMs: m.heartbeatPeriodMs,
        heartbeatThresholdMs: m.heartbeatThresholdMs,
        ran,
        log,
      }),
    );
  }
  await Promise.all(pools.map((p) => p.start()));
  send({ type: 'registered', pools: pools.length, lastAtMs: Math.max(...pools.map((p) => p.stats.registeredAtMs)), cpuMs: cpuMs() });
}

function cpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

function report(): PoolProcessReport {
  return {
    type: 'report',
    pools: pools.length,
    tasks: pools.reduce((n, p) => n + p.stats.tasks, 0),
    lateHeartbeats: pools.reduce((n, p) => n + p.stats.lateHeartbeats, 0),
    maxSilenceMs: pools.reduce((n, p) => Math.max(n, p.stats.maxSilenceMs), 0),
    shutDownEarly: pools.filter((p) => p.stats.shutDownEarly).length,
    cpuMs: cpuMs(),
    taskIds,
    logs,
  };
}

process.on('message', (m: ToPoolProcess) => {
  if (m.type === 'start') {
    start(m).catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
  } else if (m.type === 'report') {
    send(report());
  } else if (m.type === 'stop') {
    for (const p of pools) p.stop();
    process.disconnect();
    // Sockets are closed with linger 0; nothing else keeps the loop alive for long.
    setTimeout(() => process.exit(0), 200).unref();
  }
});
// The parent is gone: do not outlive it.
process.on('disconnect', () => {
  for (const p of pools) p.stop();
  setTimeout(() => process.exit(0), 200).unref();
});
send({ type: 'loaded', cpuMs: cpuMs() });
