/**
 * Where the interchange listens for pools, seen from the kernel's socket table (/proc/net/tcp and
 * tcp6, LISTEN entries): by default only the addresses the pools are given, `*` only when asked;
 * and `encrypted: false` said on stderr, once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';
import { SlurmProvider } from '../../src/providers/slurm/slurmProvider.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import { freshRunDir, makeHtex, startHtex } from './helpers.js';
import { fixture, runCli } from '../cli/cliHarness.js';

/** `0100007F` → `127.0.0.1`; IPv6 entries are four little-endian words. */
function procAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8).match(/../g)!.reverse().join(''));
  return words.join('').match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** Addresses with a socket listening on `port` (TCP, IPv4 and IPv6). */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this kernel
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [ip, p] = (local ?? '').split(':');
      if (state === '0A' && parseInt(p ?? '', 16) === port) out.push(procAddress(ip ?? ''));
    }
  }
  return out.sort();
}

/** Start with `options`, check that a task runs (the pools did connect), return the listeners. */
async function listenersOfRunningHtex(options: Parameters<typeof makeHtex>[0]): Promise<string[]> {
  const htex = await startHtex({ workerBindInterface: undefined, ...options });
  try {
    const outcome = await htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'exit 3' } });
    assert.equal((outcome as { exitCode: number }).exitCode, 3);
    return listeners(htex.executor.endpoints().workerPort);
  } finally {
    await htex.executor.shutdown();
  }
}

test('without worker_bind_interface the pool port listens on the pools address only, not on 0.0.0.0', async () => {
  assert.deepEqual(await listenersOfRunningHtex({ addresses: ['127.0.0.1'] }), ['127.0.0.1']);
});

test('each pool address of this host is listened on, on one port', async (t) => {
  const external = Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (!external) {
    t.skip('this machine has no IPv4 address besides loopback');
    return;
  }
  assert.deepEqual(await listenersOfRunningHtex({ addresses: [external, '127.0.0.1'] }), ['127.0.0.1', external].sort());
});

test("worker_bind_interface '*' listens on every interface (as before, when asked)", async () => {
  assert.deepEqual(await listenersOfRunningHtex({ addresses: ['127.0.0.1'], workerBindInterface: '*' }), ['0.0.0.0']);
});

test('pool addresses that are none of this host: a coded error naming address and worker_bind_interface', async () => {
  const executor = makeHtex({ addresses: ['203.0.113.7'], workerBindInterface: undefined });
  await assert.rejects(executor.start({ runDir: freshRunDir(), log: () => undefined }), (err: unknown) => {
    assert.ok(err instanceof ParslCwlError);
    assert.equal(err.code, ErrorCode.ExecutorFailed);
    assert.match(err.message, /203\.0\.113\.7.*not an address of this host|none of the pool addresses \(203\.0\.113\.7\).*worker_bind_interface/);
    return true;
  });
  assert.equal(executor.state, 'FAILED');
});

test('pools on other nodes (Slurm) and a host name that is loopback here: warned, naming the fix', async () => {
  // init_blocks 0 and no strategy: nothing is submitted, so no Slurm is needed.
  const executor = new HighThroughputExecutor({ provider: new SlurmProvider({ initBlocks: 0 }), addresses: ['localhost'], strategy: false, encrypted: false });
  const warnings: string[] = [];
  await executor.start({ runDir: freshRunDir(), log: () => undefined, warn: (l) => warnings.push(l) });
  try {
    assert.deepEqual(listeners(executor.endpoints().workerPort), ['127.0.0.1']);
    const loopback = warnings.filter((w) => w.includes("'localhost'"));
    assert.equal(loopback.length, 1, warnings.join('\n'));
    assert.match(loopback[0]!, /loopback.*pools on other nodes cannot connect.*set address .*worker_bind_interface: '\*'/);
  } finally {
    await executor.shutdown();
  }
});

const TOOL = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: "true"
inputs: []
outputs: []
`;

const config = (encrypted: boolean): string => `executor:
  type: htex
  workers_per_pool: 1
  encrypted: ${encrypted}
  address: 127.0.0.1
  provider: {type: local, init_blocks: 1, max_blocks: 1}
`;

test('encrypted: false is one warning line on stderr, also with --quiet; none when encrypted', async () => {
  const dir = await fixture({ 'tool.cwl': TOOL, 'plain.yml': config(false), 'curve.yml': config(true) });
  const plain = await runCli(['--quiet', '--config', 'plain.yml', '--outdir', dir, 'tool.cwl'], { cwd: dir });
  assert.equal(plain.code, 0, plain.stderr);
  const lines = plain.stderr.trim().split('\n');
  assert.equal(lines.length, 1, plain.stderr);
  assert.match(lines[0]!, /^parsl-cwl: warning: htex: encryption is off \(encrypted: false\): .*plain text; remove encrypted: false/);
  const curve = await runCli(['--quiet', '--config', 'curve.yml', '--outdir', dir, 'tool.cwl'], { cwd: dir });
  assert.equal(curve.code, 0, curve.stderr);
  assert.equal(curve.stderr, '');
});
