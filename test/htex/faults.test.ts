/**
 * Faults with real processes: a worker or a whole pool killed with SIGKILL mid-task, an interchange
 * that dies or never starts, a pool of another version, and shutdown leaving nothing behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import * as zmq from 'zeromq';
import { bashApp, DataFlowKernel } from '../../src/dataflow/index.js';
import { ErrorCode } from '../../src/util/errors.js';
import { ManagerLostError, WorkerLostError } from '../../src/executors/errors.js';
import { loadClientKeys } from '../../src/executors/htex/certificates.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import { InterchangeFailedError, VersionMismatchError } from '../../src/executors/htex/errors.js';
import { packageVersion } from '../../src/util/index.js';
import { PROTOCOL_VERSION } from '../../src/executors/htex/protocol.js';
import { LocalProvider } from '../../src/providers/local.js';
import { alive, descendants, freshRunDir, makeHtex, startHtex, until } from './helpers.js';

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * A command that records the worker process running it (the nearest ancestor running workerMain:
 * the task's parent is the worker's spawner, or the worker itself without one), then hangs on its
 * first try.
 */
function hangOnFirstTry(dir: string, name: string): string {
  const seen = join(dir, `${name}.tries`);
  const worker = `w=$PPID; while [ "$w" -gt 1 ] && ! tr '\\0' ' ' < /proc/$w/cmdline | grep -q workerMain; do w=$(cut -d' ' -f4 /proc/$w/stat); done`;
  return `${worker}; echo $w >> ${seen}; if [ $(wc -l < ${seen}) -ge 2 ]; then exit 0; fi; sleep 60`;
}

async function workerPidOfFirstTry(dir: string, name: string): Promise<number> {
  const file = join(dir, `${name}.tries`);
  return until(() => (existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) || undefined : undefined), 30_000, 'the task to start');
}

describe('a worker killed mid-task', () => {
  test('fails its task with WorkerLost; the pool restarts it and a retry succeeds', async () => {
    const htex = await startHtex();
    try {
      const running = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: hangOnFirstTry(htex.runDir, 'w') } });
      const worker = await workerPidOfFirstTry(htex.runDir, 'w');
      process.kill(worker, 'SIGKILL');
      await assert.rejects(running, (err: unknown) => err instanceof WorkerLostError && err.code === ErrorCode.WorkerLost && /SIGKILL/.test(err.message));
      const retry = await htex.executor.submit({ taskId: 1, attempt: 1, spec: { kind: 'bash', command: hangOnFirstTry(htex.runDir, 'w') } });
      assert.equal((retry as { exitCode: number }).exitCode, 0);
      const tries = readFileSync(join(htex.runDir, 'w.tries'), 'utf8').trim().split('\n').map(Number);
      assert.notEqual(tries[1], worker, 'the retry ran on a live worker');
    } finally {
      await htex.executor.shutdown();
    }
  });

  test("through the kernel: the kernel's retries turn WorkerLost into success", async () => {
    const dir = freshRunDir();
    const dfk = await DataFlowKernel.load({ executors: [makeHtex()], retries: 1, runDir: join(dir, 'runinfo') });
    try {
      const app = bashApp((d: string) => hangOnFirstTry(d, 'k'), { name: 'hang_once', dfk });
      const future = app(dir);
      process.kill(await workerPidOfFirstTry(dir, 'k'), 'SIGKILL');
      assert.equal((await future.result()).exitCode, 0);
    } finally {
      await dfk.shutdown();
    }
  });
});

describe('a pool killed mid-task', () => {
  test('fails its tasks with ManagerLost after missed heartbeats; the retry runs on the other pool', async () => {
    const dir = freshRunDir();
    const executor = makeHtex({ strategy: false }, { initBlocks: 2, maxBlocks: 2 });
    const dfk = await DataFlowKernel.load({ executors: [executor], retries: 1, runDir: join(dir, 'runinfo') });
    try {
      await until(() => executor.managers().length === 2, 30_000, 'two pools');
      const app = bashApp((d: string) => hangOnFirstTry(d, 'p'), { name: 'hang_once', dfk });
      const future = app(dir);
      const worker = await workerPidOfFirstTry(dir, 'p');
      const pool = ppidOf(worker);
      process.kill(pool, 'SIGKILL');
      const started = Date.now();
      assert.equal((await future.result()).exitCode, 0);
      assert.ok(Date.now() - started < 8000, 'lost within the heartbeat threshold');
      const tries = readFileSync(join(dir, 'p.tries'), 'utf8').trim().split('\n').map(Number);
      assert.notEqual(ppidOf(tries[1] as number), pool, 'the retry ran on the other pool');
      assert.match(readFileSync(dfk.logPath, 'utf8'), /lost: no heartbeat/);
    } finally {
      await dfk.shutdown();
    }
  });

  test('the executor rejects the lost task with ManagerLost', async () => {
    const htex = await startHtex({ strategy: false });
    try {
      const running = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: hangOnFirstTry(htex.runDir, 'm') } });
      process.kill(ppidOf(await workerPidOfFirstTry(htex.runDir, 'm')), 'SIGKILL');
      await assert.rejects(running, (err: unknown) => err instanceof ManagerLostError && err.code === ErrorCode.ManagerLost && /heartbeat/.test(err.message));
    } finally {
      await htex.executor.shutdown();
    }
  });
});

describe('the interchange', () => {
  test('that dies makes pending and later tasks fail fast with InterchangeFailed', async () => {
    const htex = await startHtex();
    try {
      const running = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'sleep 60' } });
      const pid = htex.executor.endpoints().interchangePid as number;
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await assert.rejects(running, (err: unknown) => err instanceof InterchangeFailedError && err.code === ErrorCode.InterchangeFailed && /interchange\.log/.test(err.message));
      assert.ok(Date.now() - killedAt < 2000);
      assert.equal(htex.executor.state, 'FAILED');
      await assert.rejects(htex.executor.submit({ taskId: 2, attempt: 0, spec: { kind: 'noop' } }), InterchangeFailedError);
    } finally {
      await htex.executor.shutdown();
    }
  });

  test('that cannot start (its port is taken) fails start() with InterchangeFailed and its log', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const runDir = freshRunDir();
    const executor = new HighThroughputExecutor({ provider: new LocalProvider(), workersPerPool: 1, workerPort: port, workerBindInterface: '127.0.0.1' });
    const started = Date.now();
    try {
      await assert.rejects(executor.start({ runDir, log: () => undefined }), (err: unknown) => err instanceof InterchangeFailedError && /exited unexpectedly/.test(err.message) && /in use/i.test(err.message));
      assert.ok(Date.now() - started < 5000);
      assert.equal(executor.state, 'FAILED');
    } finally {
      await executor.shutdown();
      blocker.close();
    }
  });

  test('refuses a pool of another Node version with VersionMismatch, and the executor fails instead of hanging', async () => {
    const htex = await startHtex({ strategy: false }, { initBlocks: 0 });
    try {
      const pending = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'noop' } });
      const { workerPort, certDir } = htex.executor.endpoints();
      const keys = await loadClientKeys(certDir as string);
      const socket = new zmq.Dealer({ linger: 0, routingId: 'old-node', curveServerKey: keys.serverPublicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey, receiveTimeout: 5000 });
      socket.connect(`tcp://127.0.0.1:${workerPort}`);
      const registration = { poolId: 'old-node', blockId: '9', hostname: 'elsewhere', workers: 1, prefetch: 0, packageVersion: packageVersion(), nodeVersion: 'v14.0.0', protocolVersion: PROTOCOL_VERSION, pid: 1 };
      await socket.send(JSON.stringify({ type: 'register', registration }));
      const [reply] = await socket.receive();
      socket.close();
      const parsed = JSON.parse(String(reply)) as { type: string; error: { code: string; message: string } };
      assert.equal(parsed.type, 'rejected');
      assert.equal(parsed.error.code, ErrorCode.VersionMismatch);
      assert.match(parsed.error.message, /Node v14\.0\.0/);
      await assert.rejects(pending, (err: unknown) => err instanceof VersionMismatchError && err.poolId === 'old-node');
    } finally {
      await htex.executor.shutdown();
    }
  });
});

describe('shutdown leaves no process behind', () => {
  test('executor.shutdown() while a task runs: interchange, pool, workers and the task are gone within 5 s', async () => {
    const htex = await startHtex();
    const started = join(htex.runDir, 'started');
    // The task ends with the executor (WorkerLost, or a shutdown error); that can be reported while
    // shutdown() is still running, so it is handled from the start, not when shutdown() returns
    // (an unhandled rejection fails the test: seen on Node 26, 2 of 7 runs on a loaded machine).
    const running = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `touch ${started}; sleep 60` } }).catch(() => undefined);
    await until(() => existsSync(started), 30_000, 'the task to start');
    const pool = htex.executor.scaling.blocks()[0]?.jobId;
    const processTree = () => [...descendants(process.pid), ...(pool ? descendants(Number(pool)) : [])];
    // `started` exists a moment before the sleep is forked: poll (a failed assert here would leave
    // the executor running and the test file hanging).
    const tree = await until(() => {
      const t = processTree();
      return t.some((p) => p.cmd.includes('sleep')) && t;
    }, 5000, 'the sleep to be seen running').catch(async (err: unknown) => {
      await htex.executor.shutdown();
      throw err;
    });
    const before = tree.map((p) => p.pid);
    const t0 = Date.now();
    await htex.executor.shutdown();
    await running;
    await until(() => alive(before).length === 0, 5000 - (Date.now() - t0), `processes ${alive(before).join(', ')} to exit`);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    test(`the user's process killed by ${sig}: everything it started is gone within 5 s`, async () => {
      const runner = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/runner.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        runner.stdout?.on('data', (d: Buffer) => String(d).includes('READY') && resolve());
        runner.once('exit', (code) => reject(new Error(`runner exited early (${code})`)));
      });
      const tree = descendants(runner.pid as number).map((p) => p.pid);
      assert.ok(tree.length >= 5, `interchange, block shell, pool, 2 workers, shells, task: saw ${tree.length}`);
      const t0 = Date.now();
      runner.kill(sig);
      await until(() => alive(tree).length === 0, 5000, `processes ${alive(tree).join(', ')} to exit`);
      assert.ok(Date.now() - t0 < 5000);
    });
  }
});
