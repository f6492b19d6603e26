import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFlowKernel, bashApp, type CwlFile, type TaskEvent } from '../../src/index.js';
import { tempDir } from './fixtures.js';

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** One "program": a kernel with checkpoints, one cached app over a File input, then shutdown. */
async function program(dir: string, input: CwlFile): Promise<{ state: string; runDir: string; done: TaskEvent[] }> {
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), checkpointMode: 'task_exit' });
  const done: TaskEvent[] = [];
  dfk.events.on('done', (e) => done.push(e));
  const ranLog = join(dir, 'ran.log');
  const count = bashApp((a: { file: CwlFile }) => `echo ran >> '${ranLog}'; wc -c < '${a.file.path}'`, { name: 'count', cache: true });
  const f = count({ file: input }, { stdout: join(dir, 'count.out') });
  await f;
  await dfk.shutdown();
  return { state: f.state, runDir: dfk.runDir, done };
}

test('a second run of the same program reuses the first run checkpoint: memo_done, the command does not run again', async () => {
  const dir = tempDir();
  const data = join(dir, 'data.txt');
  writeFileSync(data, 'hello\n');
  const ranLog = join(dir, 'ran.log');

  const first = await program(dir, { class: 'File', path: data });
  assert.equal(first.state, 'exec_done');
  assert.equal(lines(ranLog).length, 1);
  assert.ok(existsSync(join(first.runDir, 'checkpoint', 'tasks.jsonl')));

  const second = await program(dir, { class: 'File', path: data });
  assert.notEqual(second.runDir, first.runDir, 'each kernel has its own runinfo/NNN');
  assert.equal(second.state, 'memo_done');
  assert.equal(second.done[0]?.state, 'memo_done');
  assert.equal(lines(ranLog).length, 1, 'the command did not run again');
});

test('File inputs are keyed by content: same content at a new path reuses, changed content reruns', async () => {
  const dir = tempDir();
  const ranLog = join(dir, 'ran.log');
  const a = join(dir, 'a.txt');
  writeFileSync(a, 'same\n');
  await program(dir, { class: 'File', path: a, basename: 'data.txt' });
  const b = join(dir, 'b.txt');
  writeFileSync(b, 'same\n');
  const again = await program(dir, { class: 'File', path: b, basename: 'data.txt' });
  assert.equal(again.state, 'memo_done');
  assert.equal(lines(ranLog).length, 1);

  writeFileSync(b, 'different\n');
  const changed = await program(dir, { class: 'File', path: b, basename: 'data.txt' });
  assert.equal(changed.state, 'exec_done');
  assert.equal(lines(ranLog).length, 2);
});

test('within one run, a cached app called twice with equal arguments runs once', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const ranLog = join(dir, 'ran.log');
    const app = bashApp((a: { x: number; y: { z: string } }) => `echo ${a.x}${a.y.z} >> '${ranLog}'`, { cache: true });
    const first = app({ x: 1, y: { z: 'a' } });
    await first;
    const second = app({ y: { z: 'a' }, x: 1 }); // key order does not matter
    await second;
    const third = app({ x: 2, y: { z: 'a' } });
    await third;
    assert.deepEqual([first.state, second.state, third.state], ['exec_done', 'memo_done', 'exec_done']);
    assert.deepEqual(lines(ranLog), ['1a', '2a']);
  } finally {
    await dfk.shutdown();
  }
});

test('apps without cache, or a kernel with appCache off, always run', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), appCache: false });
  try {
    const ranLog = join(dir, 'ran.log');
    const app = bashApp(() => `echo x >> '${ranLog}'`, { cache: true });
    await app({});
    await app({});
    assert.equal(lines(ranLog).length, 2);
  } finally {
    await dfk.shutdown();
  }
});

test('checkpointMode dfk_exit writes the checkpoint at shutdown; manual writes on checkpoint()', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), checkpointMode: 'dfk_exit' });
  const app = bashApp((a: { n: number }) => `true ${a.n}`, { cache: true });
  await app({ n: 1 });
  const file = join(dfk.runDir, 'checkpoint', 'tasks.jsonl');
  assert.equal(existsSync(file), false);
  await dfk.shutdown();
  assert.equal(lines(file).length, 1);

  const manual = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), checkpointMode: 'manual' });
  const app2 = bashApp((a: { n: number }) => `true ${a.n}`, { cache: true });
  const reused = app2({ n: 1 });
  await reused;
  assert.equal(reused.state, 'memo_done', 'the dfk_exit checkpoint of the run before was loaded');
  await app2({ n: 2 });
  assert.equal(manual.checkpoint(), 1);
  assert.equal(lines(join(manual.runDir, 'checkpoint', 'tasks.jsonl')).length, 1);
  await manual.shutdown();
});

test('an identical cached task submitted while the first runs waits for it instead of running twice', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const ranLog = join(dir, 'ran.log');
    const slow = bashApp((a: { n: number }) => `echo ${a.n} >> '${ranLog}'; sleep 0.3`, { cache: true });
    const [a, b] = [slow({ n: 1 }), slow({ n: 1 })];
    await Promise.all([a.result(), b.result()]);
    assert.deepEqual([a.state, b.state], ['exec_done', 'memo_done']);
    assert.deepEqual(lines(ranLog), ['1']);

    // When the running twin fails, the waiting task gets its own try.
    const flag = join(dir, 'flag');
    const once = bashApp((a: { f: string }) => `if [ -e '${a.f}' ]; then exit 0; else touch '${a.f}'; sleep 0.3; exit 3; fi`, { cache: true });
    const [c, d] = [once({ f: flag }), once({ f: flag })];
    const settled = await Promise.allSettled([c.result(), d.result()]);
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'fulfilled']);
    assert.equal(d.state, 'exec_done');
  } finally {
    await dfk.shutdown();
  }
});
