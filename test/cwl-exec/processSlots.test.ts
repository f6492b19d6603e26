import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessSlots, runProcess } from '../../src/process/index.js';

function dir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'pcwl-slots-'));
}

function spec(cwd: string, script: string, extra: Partial<Parameters<typeof runProcess>[0]> = {}): Parameters<typeof runProcess>[0] {
  return { argv: ['/bin/sh', '-c', script], cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdout: path.join(cwd, 'out.log'), stderr: path.join(cwd, 'out.log'), ...extra };
}

test('with one slot, the second process starts only after the first has settled', async () => {
  const d = dir();
  const slots = new ProcessSlots(1);
  const first = runProcess(spec(d, `while [ ! -e ${d}/go ]; do sleep 0.01; done; : > ${d}/first-done`, { slots }));
  const second = runProcess(spec(d, `[ -e ${d}/first-done ] && : > ${d}/second-saw-first`, { slots }));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(slots.queued, 1);
  writeFileSync(path.join(d, 'go'), '');
  assert.equal((await first).exitCode, 0);
  assert.equal((await second).exitCode, 0);
  assert.ok(existsSync(path.join(d, 'second-saw-first')));
  assert.equal(slots.queued, 0);
});

test('an abort while waiting for a slot rejects with its reason and starts nothing; the slot stays usable', async () => {
  const d = dir();
  const slots = new ProcessSlots(1);
  const first = runProcess(spec(d, `while [ ! -e ${d}/go ]; do sleep 0.01; done`, { slots }));
  const controller = new AbortController();
  const waiting = runProcess(spec(d, `: > ${d}/must-not-run`, { slots, signal: controller.signal }));
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  assert.equal(slots.queued, 0);
  writeFileSync(path.join(d, 'go'), '');
  assert.equal((await first).exitCode, 0);
  assert.equal((await runProcess(spec(d, 'exit 3', { slots }))).exitCode, 3);
  assert.ok(!existsSync(path.join(d, 'must-not-run')));
});

test('a time limit counts from the start, not from the wait for a slot', async () => {
  const d = dir();
  const slots = new ProcessSlots(1);
  const first = runProcess(spec(d, 'sleep 1.2', { slots }));
  const second = runProcess(spec(d, 'sleep 0.3', { slots, timeLimitMs: 1000 }));
  assert.equal((await first).exitCode, 0);
  const outcome = await second;
  assert.equal(outcome.timedOut, false);
  assert.equal(outcome.exitCode, 0);
});

test('a process that got a free slot at once is stopped by an abort as any other (SIGTERM, grace, SIGKILL)', async () => {
  const d = dir();
  const slots = new ProcessSlots(2);
  const controller = new AbortController();
  const pidFile = path.join(d, 'pid');
  const run = runProcess(spec(d, `trap '' TERM; echo $$ > ${pidFile}; sleep 600`, { slots, signal: controller.signal, killGraceMs: 300 }));
  for (let i = 0; i < 500 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 10));
  const t0 = Date.now();
  controller.abort(new Error('cancelled'));
  await assert.rejects(run, /cancelled/);
  assert.ok(Date.now() - t0 >= 300, `settled after ${Date.now() - t0} ms, before the grace period`);
  // Its slot came back: two more can run at once.
  const both = await Promise.all([runProcess(spec(d, 'exit 0', { slots })), runProcess(spec(d, 'exit 0', { slots }))]);
  assert.deepEqual(both.map((o) => o.exitCode), [0, 0]);
});
