/**
 * Scale-in holds a block only if it is still idle, in one step at the interchange (issue 16): the
 * strategy chooses blocks from a status up to a heartbeat old, and a block that got a task since
 * must be kept, not waited for (which stalled every other scaling decision for that task's time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHtex, until } from './helpers.js';

test('holdBlockIfIdle refuses a busy block and holds an idle one; scaleIn keeps a block that got a task', async () => {
  const htex = await startHtex({ workersPerPool: 1, strategy: false });
  try {
    await until(() => htex.executor.managers().length === 1 || undefined, 30_000, 'the pool to register');
    const blockId = htex.executor.managers()[0]?.blockId ?? '';
    const busy = htex.executor.submit({ taskId: 1, attempt: 0, spec: { kind: 'bash', command: 'sleep 1' } });
    await until(() => (htex.executor.managers()[0]?.tasks ?? 0) > 0 || undefined, 30_000, 'the task to reach the pool');
    assert.deepEqual(await htex.executor.command({ command: 'holdBlockIfIdle', blockId }), { command: 'holdBlockIfIdle', held: false, pools: 1 });
    // scaleIn names the busy block (as from a stale status): it is kept, at once, and its task finishes.
    const t0 = Date.now();
    assert.deepEqual(await htex.executor.scaling.scaleIn(1, [blockId]), []);
    assert.ok(Date.now() - t0 < 900, 'scale-in did not wait for the task');
    assert.ok(htex.logs.some((l) => l.includes(`block ${blockId} got a task since it was chosen for scale-in; kept`)));
    await busy;
    await until(() => htex.executor.managers()[0]?.tasks === 0 || undefined, 30_000, 'the pool to report idle');
    assert.deepEqual(await htex.executor.command({ command: 'holdBlockIfIdle', blockId }), { command: 'holdBlockIfIdle', held: true, pools: 1 });
    const managers = await htex.executor.command({ command: 'managers' });
    assert.ok(managers.command === 'managers' && managers.managers[0]?.held === true);
  } finally {
    await htex.executor.shutdown();
  }
});
