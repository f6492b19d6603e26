/**
 * CurveZMQ on every HTEX link: key file modes, clients without or with wrong keys can neither
 * register, receive a task nor inject a result, and no task command crosses the wire in plain text.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as zmq from 'zeromq';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import { createCertificates, loadClientKeys } from '../../src/executors/htex/certificates.js';
import { packageVersion } from '../../src/util/index.js';
import { PROTOCOL_VERSION } from '../../src/executors/htex/protocol.js';
import { startZapAuthenticator } from '../../src/executors/htex/zapAuthenticator.js';
import { freshRunDir, startHtex, until, type RunningHtex } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function registration(poolId: string): string {
  return JSON.stringify({
    type: 'register',
    registration: { poolId, blockId: 'rogue', hostname: 'rogue', workers: 4, prefetch: 100, packageVersion: packageVersion(), nodeVersion: process.version, protocolVersion: PROTOCOL_VERSION, pid: 1 },
  });
}

/** Connect, send every message, and report whether anything at all came back within `waitMs`. */
async function tryAsRogue(endpoint: string, options: ConstructorParameters<typeof zmq.Dealer>[0], messages: string[], waitMs = 1500): Promise<Buffer[]> {
  const socket = new zmq.Dealer({ linger: 0, sendTimeout: 500, receiveTimeout: waitMs, ...options });
  socket.connect(endpoint);
  const received: Buffer[] = [];
  try {
    for (const m of messages) await socket.send(m).catch(() => undefined);
    for (;;) received.push(...(await socket.receive()));
  } catch {
    // receive timed out: nothing (more) came back
  } finally {
    socket.close();
  }
  return received;
}

describe('CurveZMQ certificates', () => {
  test('the folder is 0700 and every key file 0600', async () => {
    const dir = await createCertificates(freshRunDir());
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of ['server.key', 'server.key_secret', 'client.key', 'client.key_secret']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    // A connecting end never gets the server's secret, a binding end never the client's.
    assert.ok(!('secretKey' in JSON.parse(readFileSync(join(dir, 'server.key'), 'utf8'))));
  });

  test('a secret key file readable by others is refused, not used', async () => {
    const dir = await createCertificates(freshRunDir());
    chmodSync(join(dir, 'client.key_secret'), 0o644);
    await assert.rejects(loadClientKeys(dir), (err: unknown) => err instanceof ParslCwlError && err.code === ErrorCode.CertificateInvalid && /chmod 600/.test(err.message));
  });
});

describe('the ZAP handler', () => {
  test('can start again at once after its last user closed it (one run after another in a process)', async () => {
    // libzmq frees a closed socket's inproc endpoint later, in its I/O thread: binding again right
    // away failed now and then with EADDRINUSE before close() unbound the endpoint and waited.
    for (let i = 0; i < 100; i++) {
      const zap = await startZapAuthenticator(zmq, `key-${i}`, () => undefined);
      await zap.close();
    }
  });

  test('two users share one handler; it stays until the second closes', async () => {
    const a = await startZapAuthenticator(zmq, 'key-a', () => undefined);
    const b = await startZapAuthenticator(zmq, 'key-b', () => undefined);
    await a.close();
    await a.close();
    // Still bound: a socket of our own cannot take the endpoint while b uses it.
    const other = new zmq.Reply({ linger: 0 });
    await assert.rejects(other.bind('inproc://zeromq.zap.01'), /in use/i);
    other.close();
    await b.close();
  });
});

describe('an encrypted interchange and executor', () => {
  let htex: RunningHtex;
  before(async () => {
    // No blocks: the only clients are the rogue ones until the test starts a real pool.
    htex = await startHtex({ strategy: false }, { initBlocks: 0 });
  });
  after(async () => {
    await htex.executor.shutdown();
  });

  test('clients without keys or with wrong keys can neither register, receive a task nor inject a result', async () => {
    const { executor: executorEndpoint, workerPort, certDir } = htex.executor.endpoints();
    assert.ok(certDir);
    const poolEndpoint = `tcp://127.0.0.1:${workerPort}`;
    const task = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'exit 7' } });
    const realKeys = await loadClientKeys(certDir);
    const strangerServer = zmq.curveKeyPair();
    const strangerClient = zmq.curveKeyPair();
    const rogues: Record<string, ConstructorParameters<typeof zmq.Dealer>[0]> = {
      'no keys': {},
      'wrong server key': { curveServerKey: strangerServer.publicKey, curvePublicKey: strangerClient.publicKey, curveSecretKey: strangerClient.secretKey },
      'right server key, own client keys': { curveServerKey: realKeys.serverPublicKey, curvePublicKey: strangerClient.publicKey, curveSecretKey: strangerClient.secretKey },
    };
    const fakeResult = JSON.stringify({ type: 'results', results: [{ id: 1, ok: true, outcome: { kind: 'bash', exitCode: 42 } }] });
    for (const [name, options] of Object.entries(rogues)) {
      const identity = `rogue-${name.replace(/\W+/g, '-')}`;
      const fromInterchange = await tryAsRogue(poolEndpoint, { ...options, routingId: identity }, [JSON.stringify({ type: 'probe' }), registration(identity), fakeResult]);
      assert.deepEqual(fromInterchange, [], `${name}: the interchange answered`);
      const fromExecutor = await tryAsRogue(executorEndpoint, options, [fakeResult]);
      assert.deepEqual(fromExecutor, [], `${name}: the executor answered`);
    }
    assert.equal(htex.executor.outstanding(), 1, 'no injected result settled the task');
    const managers = await htex.executor.command({ command: 'managers' });
    assert.deepEqual(managers.command === 'managers' && managers.managers, [], 'no rogue registered');
    assert.match(readFileSync(join(htex.runDir, 'interchange.log'), 'utf8'), /refused a CURVE handshake/);
    // The task was there to take all along: a real pool with the run's keys gets it.
    await htex.executor.scaling.scaleOut(1);
    assert.deepEqual(await task, { kind: 'bash', exitCode: 7, signal: null });
  });
});

/** A TCP proxy that records every byte it forwards (what a network sniffer would see). */
async function recordingProxy(targetPort: number): Promise<{ server: Server; port: number; bytes: () => Buffer }> {
  const chunks: Buffer[] = [];
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    client.on('data', (d: Buffer) => chunks.push(d));
    upstream.on('data', (d: Buffer) => chunks.push(d));
    client.pipe(upstream).on('error', () => undefined);
    upstream.pipe(client).on('error', () => undefined);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, bytes: () => Buffer.concat(chunks) };
}

async function wireBytesOfOneTask(encrypted: boolean, marker: string): Promise<Buffer> {
  const htex = await startHtex({ encrypted, strategy: false }, { initBlocks: 0 });
  let pool: ChildProcess | undefined;
  let proxy: Awaited<ReturnType<typeof recordingProxy>> | undefined;
  try {
    const { workerPort, certDir } = htex.executor.endpoints();
    proxy = await recordingProxy(workerPort);
    pool = spawn(
      process.execPath,
      [MAIN, 'pool', '--addresses', '127.0.0.1', '--port', String(proxy.port), '--block-id', 'sniffed', '--workers', '1', '--heartbeat-period', '0.25', '--heartbeat-threshold', '2', '--log-dir', htex.runDir, ...(certDir ? ['--cert-dir', certDir] : ['--no-encryption'])],
      { stdio: 'ignore' },
    );
    await until(() => htex.executor.managers().length === 1, 30_000, 'the proxied pool to register');
    const outcome = await htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: `echo ${marker} >/dev/null` } });
    assert.equal((outcome as { exitCode: number }).exitCode, 0);
    return proxy.bytes();
  } finally {
    await htex.executor.shutdown();
    pool?.kill('SIGKILL');
    proxy?.server.close();
  }
}

describe('bytes on the wire between pool and interchange', () => {
  test('hold no plaintext task command when encrypted', async () => {
    const marker = 'PLAINTEXT_MARKER_c0ffee';
    const bytes = await wireBytesOfOneTask(true, marker);
    assert.ok(bytes.length > 500, `the proxy saw traffic (${bytes.length} bytes)`);
    assert.equal(bytes.includes(marker), false);
    assert.equal(bytes.includes('"bash"'), false);
  });

  test('do hold it with encrypted: false (so the capture above is a real test)', async () => {
    const marker = 'PLAINTEXT_MARKER_beef';
    const bytes = await wireBytesOfOneTask(false, marker);
    assert.equal(bytes.includes(marker), true);
  });
});
