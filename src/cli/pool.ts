/**
 * `parsl-cwl pool --addresses HOSTS --port N --cert-dir DIR --block-id B [...]`: one HTEX worker pool
 * per node, started by a provider's launcher. The certificate folder's path is given, never keys.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ErrorCode, ParslCwlError } from '../util/index.js';

/** src/cwl/jobTask.ts: importing it registers the runner of CWL job tasks (executeJob). */
const CWL_JOB_TASK_MODULE = new URL('../cwl/jobTask.js', import.meta.url).href;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      addresses: { type: 'string' },
      port: { type: 'string' },
      'cert-dir': { type: 'string' },
      'no-encryption': { type: 'boolean', default: false },
      'block-id': { type: 'string', default: '0' },
      workers: { type: 'string' },
      prefetch: { type: 'string', default: '0' },
      'heartbeat-period': { type: 'string', default: '5' },
      'heartbeat-threshold': { type: 'string', default: '30' },
      'drain-period': { type: 'string' },
      'block-walltime': { type: 'string' },
      'drain-before-end': { type: 'string' },
      'log-dir': { type: 'string', default: '.' },
    },
    strict: true,
  });
  const usage = (why: string): ParslCwlError => new ParslCwlError(ErrorCode.UsageError, `pool: ${why}`);
  if (!values.addresses) throw usage('--addresses is required (comma-separated interchange hosts)');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw usage(`--port must be a TCP port, got ${values.port}`);
  if (!values['cert-dir'] && !values['no-encryption']) throw usage('give --cert-dir, or --no-encryption to run without CurveZMQ');
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw usage(`--workers must be a positive integer, got ${values.workers}`);
  const prefetch = Number(values.prefetch);
  if (!Number.isInteger(prefetch) || prefetch < 0) throw usage(`--prefetch must be a non-negative integer, got ${values.prefetch}`);
  const positive = (name: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw usage(`--${name} must be a positive number of seconds, got ${text}`);
    return n;
  };
  const blockId = values['block-id'] as string;
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} pool ${blockId}/${process.pid}: ${line}\n`);
  };
  const { WorkerPool } = await import('../executors/htex/pool.js');
  const pool = new WorkerPool({
    addresses: values.addresses.split(',').filter(Boolean),
    port,
    certDir: values['cert-dir'] ?? null,
    blockId,
    workers,
    prefetch,
    heartbeatPeriodMs: positive('heartbeat-period', values['heartbeat-period']) * 1000,
    heartbeatThresholdMs: positive('heartbeat-threshold', values['heartbeat-threshold']) * 1000,
    drainPeriodMs: values['drain-period'] === undefined ? undefined : positive('drain-period', values['drain-period']) * 1000,
    blockWalltimeMs: values['block-walltime'] === undefined ? undefined : positive('block-walltime', values['block-walltime']) * 1000,
    drainBeforeEndMs: values['drain-before-end'] === undefined ? undefined : positive('drain-before-end', values['drain-before-end']) * 1000,
    // The batch script stamps the block's start (src/providers/slurm/batchScript.ts): the walltime counts from there.
    blockStartMs: blockStartMs(),
    logDir: values['log-dir'] as string,
    // The workers run CWL job tasks: each imports the module that registers the CWL layer's runner.
    workerModules: [CWL_JOB_TASK_MODULE],
    log,
  });
  process.once('SIGTERM', () => void pool.stop('SIGTERM'));
  process.once('SIGINT', () => void pool.stop('SIGINT'));
  try {
    await pool.start();
  } catch (err) {
    // A refused registration (VersionMismatch) or an unreachable interchange ends the pool at once.
    log(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await pool.stop('start failed');
    process.exit(1);
  }
  await pool.done();
  // zeromq's context and the workers' IPC channels may keep the loop alive: leave now.
  process.exit(0);
}

/** PARSL_CWL_BLOCK_START (epoch seconds, set by the block's batch script), in ms; undefined when absent. */
function blockStartMs(): number | undefined {
  const sec = Number(process.env.PARSL_CWL_BLOCK_START);
  return Number.isFinite(sec) && sec > 0 ? sec * 1000 : undefined;
}
