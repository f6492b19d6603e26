import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFlowKernel, bashApp, DependencyError, BashExitFailure, ErrorCode } from '../../src/index.js';
import type { AppDefinition } from '../../src/dataflow/index.js';
import { tempDir } from './fixtures.js';

test('a chain of bash apps runs in dependency order, each reading the file the previous one wrote', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const write = bashApp((a: { text: string }) => `printf '%s' '${a.text}'`, { name: 'write' });
    const upper = bashApp((a: { from?: string }) => `tr a-z A-Z < '${a.from}'`, { name: 'upper' });
    const rev = bashApp((a: { from?: string }) => `rev < '${a.from}'`, { name: 'rev' });
    const w = write({ text: 'abc' }, { stdout: join(dir, 'w.txt') });
    const u = upper({ from: w.output('stdout') }, { stdout: join(dir, 'u.txt') });
    const r = rev({ from: u.output('stdout') }, { stdout: join(dir, 'r.txt') });
    const result = await r;
    assert.equal(result.exitCode, 0);
    assert.equal(readFileSync(join(dir, 'r.txt'), 'utf8').trim(), 'CBA');
    assert.deepEqual([w.state, u.state, r.state], ['exec_done', 'exec_done', 'exec_done']);
    assert.ok(w.taskId < u.taskId && u.taskId < r.taskId);
  } finally {
    await dfk.shutdown();
  }
});

test('futures nested in arrays and objects are replaced by their values before the command is built', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const echo = bashApp((a: { word: string }) => `printf '%s' ${a.word}`);
    const one = echo({ word: 'one' }, { stdout: join(dir, 'one') });
    const two = echo({ word: 'two' }, { stdout: join(dir, 'two') });
    let seen: unknown;
    const join2 = bashApp((a: { files: Array<string | undefined>; named: { deep: { file?: string } } }) => {
      seen = a;
      return `cat ${a.files.join(' ')} ${a.named.deep.file}`;
    });
    const j = join2(
      { files: [one.output('stdout'), two.output('stdout')], named: { deep: { file: one.output('stdout') } } },
      { stdout: join(dir, 'joined') },
    );
    await j;
    assert.deepEqual(seen, { files: [join(dir, 'one'), join(dir, 'two')], named: { deep: { file: join(dir, 'one') } } });
    assert.equal(readFileSync(join(dir, 'joined'), 'utf8'), 'onetwoone');
  } finally {
    await dfk.shutdown();
  }
});

test('a failed task fails its dependants with dep_fail and a DependencyError naming the root failed task', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const fail = bashApp(() => 'echo broken >&2; exit 7', { name: 'fail' });
    const next = bashApp((a: { x: unknown }) => `echo ${String(a.x)}`, { name: 'next' });
    const f = fail({}, { stderr: join(dir, 'err') });
    const n1 = next({ x: f });
    const n2 = next({ x: [n1] });

    const e0 = await f.then(() => undefined, (e: unknown) => e);
    assert.ok(e0 instanceof BashExitFailure);
    assert.equal(e0.exitCode, 7);
    assert.equal(e0.code, ErrorCode.BashExitFailure);
    assert.equal(readFileSync(join(dir, 'err'), 'utf8'), 'broken\n');

    const e2 = await n2.then(() => undefined, (e: unknown) => e);
    assert.ok(e2 instanceof DependencyError);
    assert.equal(e2.code, ErrorCode.DependencyFailed);
    assert.equal(e2.rootTaskId, f.taskId, 'the root is the task whose own execution failed');
    assert.equal(e2.rootAppName, 'fail');
    assert.deepEqual(e2.failedDependencies, [n1.taskId]);
    assert.ok(e2.cause instanceof BashExitFailure);
    assert.match(e2.message, new RegExp(`dependency task ${f.taskId} \\(fail\\) failed`));
    assert.deepEqual([f.state, n1.state, n2.state], ['failed', 'dep_fail', 'dep_fail']);
  } finally {
    await dfk.shutdown();
  }
});

test('a task with many dependencies waits for all of them, and a missing output name fails it', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const values: AppDefinition<{ n: number }, { n: number }> = {
      name: 'value',
      identity: 'value',
      cache: false,
      prepare: () => ({ kind: 'noop' }),
      complete: (_o, a) => ({ n: a.n }),
    };
    const sum: AppDefinition<{ xs: number[] }, number> = {
      name: 'sum',
      identity: 'sum',
      cache: false,
      prepare: () => ({ kind: 'noop' }),
      complete: (_o, a) => a.xs.reduce((s, x) => s + x, 0),
    };
    const parts = Array.from({ length: 50 }, (_, n) => dfk.submit(values, { n }).output('n'));
    assert.equal(await dfk.submit(sum, { xs: parts as unknown as number[] }), 1225);
    const bad = dfk.submit(sum, { xs: [dfk.submit(values, { n: 1 }).output('nope' as 'n')] as unknown as number[] });
    await assert.rejects(bad.result(), /has no output 'nope'/);
    assert.equal(bad.state, 'failed');
  } finally {
    await dfk.shutdown();
  }
});

test('a Promise among the arguments is refused with advice, and nothing runs', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const marker = join(dir, 'ran');
    const touch = bashApp((_a: { p: unknown }) => `touch '${marker}'`);
    await assert.rejects(touch({ p: Promise.resolve(1) }).result(), /pass an AppFuture/);
    await dfk.waitForCurrentTasks();
    assert.equal(existsSync(marker), false);
  } finally {
    await dfk.shutdown();
  }
});
