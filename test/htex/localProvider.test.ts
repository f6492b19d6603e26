/** LocalProvider: a block is a local process group; cancel reaches everything the block started. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalProvider } from '../../src/providers/local.js';
import { alive, freshRunDir, processTable, until } from './helpers.js';

test('a block runs its command in its own process group and reports COMPLETED or FAILED with the exit code', async () => {
  const provider = new LocalProvider();
  const scriptDir = freshRunDir('local-provider-');
  const ok = await provider.submit({ command: 'echo ran', jobName: 'parsl.test.block-0', tasksPerNode: 1, scriptDir });
  const bad = await provider.submit({ command: 'exit 4', jobName: 'parsl.test.block-1', tasksPerNode: 1, scriptDir });
  const states = await untilStates(provider, [ok, bad]);
  assert.deepEqual(states[0], { state: 'COMPLETED', exitCode: 0 });
  assert.equal(states[1]?.state, 'FAILED');
  assert.equal(states[1]?.exitCode, 4);
  assert.equal(readFileSync(join(scriptDir, 'parsl.test.block-0.stdout'), 'utf8'), 'ran\n');
  assert.deepEqual(await provider.status(['999999999']), [{ state: 'MISSING', detail: 'no local block with pid 999999999' }]);
});

async function untilStates(provider: LocalProvider, ids: string[]) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await provider.status(ids);
    if (s.every((x) => x.state !== 'RUNNING') || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('cancel stops the whole process group, background children included', async () => {
  const provider = new LocalProvider({ cancelGraceMs: 1000 });
  const scriptDir = freshRunDir('local-provider-');
  const marker = join(scriptDir, 'started');
  const jobId = await provider.submit({ command: `sleep 60 & sleep 60 & touch ${marker}; wait`, jobName: 'parsl.test.block-0', tasksPerNode: 1, scriptDir });
  await until(() => existsSync(marker), 30_000, 'the block to start');
  const group = processTable().filter((p) => p.pgid === Number(jobId)).map((p) => p.pid);
  assert.ok(group.length >= 3, `the script and two sleeps: ${group.length}`);
  assert.deepEqual(await provider.cancel([jobId]), [true]);
  assert.deepEqual(alive(group), []);
  assert.equal((await provider.status([jobId]))[0]?.state, 'CANCELLED');
});
