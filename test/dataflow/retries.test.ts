import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFlowKernel, bashApp, BashExitFailure, type RetryInfo } from '../../src/index.js';
import { tempDir } from './fixtures.js';

/** A command that fails until it has been run `succeedOn` times (counted in a file). */
const flaky = bashApp((a: { counter: string; succeedOn: number }) => `n=$(cat '${a.counter}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${a.counter}'; [ $n -ge ${a.succeedOn} ]`, {
  name: 'flaky',
});
const runs = (counter: string): number => Number(readFileSync(counter, 'utf8').trim());

test('a failing task is retried up to the retries budget and succeeds within it', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), retries: 2 });
  try {
    const counter = join(dir, 'count');
    const f = flaky({ counter, succeedOn: 3 });
    assert.equal((await f).exitCode, 0);
    assert.equal(runs(counter), 3);
    assert.equal(f.state, 'exec_done');
    assert.match(readFileSync(dfk.logPath, 'utf8'), /failed try 2 .*retrying/);
  } finally {
    await dfk.shutdown();
  }
});

test('a task that needs more tries than its budget fails with the last error', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), retries: 1 });
  try {
    const counter = join(dir, 'count');
    const f = flaky({ counter, succeedOn: 5 });
    await assert.rejects(f.result(), BashExitFailure);
    assert.equal(runs(counter), 2, 'one try plus one retry');
    assert.equal(f.state, 'failed');
  } finally {
    await dfk.shutdown();
  }
});

test('an app retries budget overrides the kernel one', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const counter = join(dir, 'count');
    const app = bashApp((a: { c: string }) => `n=$(cat '${a.c}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${a.c}'; [ $n -ge 2 ]`, { retries: 1 });
    await app({ c: counter });
    assert.equal(runs(counter), 2);
  } finally {
    await dfk.shutdown();
  }
});

test('the retry handler prices each failure: cheap failures get more tries, an expensive one stops at once', async () => {
  const dir = tempDir();
  const seen: RetryInfo[] = [];
  const dfk = await DataFlowKernel.load({
    runDir: join(dir, 'runinfo'),
    retries: 2,
    // Exit code 3 is "cheap" (0.5), anything else costs more than the whole budget.
    retryHandler: (err, info) => {
      seen.push(info);
      return err instanceof BashExitFailure && err.exitCode === 3 ? 0.5 : 10;
    },
  });
  try {
    const cheap = join(dir, 'cheap');
    const a = bashApp((x: { c: string }) => `n=$(cat '${x.c}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${x.c}'; [ $n -ge 5 ] || exit 3`);
    await a({ c: cheap });
    assert.equal(runs(cheap), 5, '4 failures at 0.5 each = 2.0 ≤ 2, so a 5th try runs');
    assert.deepEqual(
      seen.map((s) => [s.failCount, s.failCost]),
      [
        [1, 0],
        [2, 0.5],
        [3, 1],
        [4, 1.5],
      ],
    );
    const costly = join(dir, 'costly');
    const b = bashApp((x: { c: string }) => `n=$(cat '${x.c}' 2>/dev/null || echo 0); echo $((n+1)) > '${x.c}'; exit 4`);
    await assert.rejects(b({ c: costly }).result(), (e: unknown) => e instanceof BashExitFailure && e.exitCode === 4);
    assert.equal(runs(costly), 1);
  } finally {
    await dfk.shutdown();
  }
});

test('a retry handler that throws fails the task without retrying', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({
    runDir: join(dir, 'runinfo'),
    retries: 5,
    retryHandler: () => {
      throw new Error('handler bug');
    },
  });
  try {
    const counter = join(dir, 'count');
    await assert.rejects(flaky({ counter, succeedOn: 3 }).result(), BashExitFailure);
    assert.equal(runs(counter), 1);
  } finally {
    await dfk.shutdown();
  }
});
