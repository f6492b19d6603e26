/** The long-lived task shell behind HTEX bash tasks: same behaviour as runTask's spawn path. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/util/errors.js';
import { TaskWalltimeExceededError } from '../../src/executors/errors.js';
import { ShellExitedError, ShellSpawner } from '../../src/executors/shellSpawner.js';
import { runTask } from '../../src/executors/taskRunner.js';
import type { BashTaskSpec } from '../../src/executors/executor.js';
import { alive, freshRunDir, processTable, until } from './helpers.js';

test('the shell and a spawn per task give the same outcome and files', async () => {
  const shell = new ShellSpawner();
  try {
    for (const via of ['shell', 'spawn'] as const) {
      const dir = freshRunDir('shell-spawner-');
      const spec: BashTaskSpec = { kind: 'bash', command: 'echo "$A $B" ; echo oops >&2; cd sub 2>/dev/null || pwd; exit 5', cwd: dir, env: { A: 'x y', B: "it's" }, stdout: 'o/out.txt', stderr: 'o/err.txt' };
      const outcome = await runTask(spec, undefined, via === 'shell' ? { shell } : {});
      assert.deepEqual(outcome, { kind: 'bash', exitCode: 5, signal: null, stdout: 'o/out.txt', stderr: 'o/err.txt' }, via);
      assert.equal(readFileSync(join(dir, 'o/out.txt'), 'utf8'), `x y it's\n${dir}\n`, via);
      assert.equal(readFileSync(join(dir, 'o/err.txt'), 'utf8'), 'oops\n', via);
    }
  } finally {
    shell.close();
  }
});

test('commands queue in one shell and run one at a time, in order', async () => {
  const shell = new ShellSpawner();
  const dir = freshRunDir('shell-spawner-');
  const log = join(dir, 'order');
  try {
    const runs = Array.from({ length: 20 }, (_, i) => shell.run({ kind: 'bash', command: `echo ${i} >> ${log}; exit ${i % 3}` }));
    const outcomes = await Promise.all(runs);
    assert.deepEqual(outcomes.map((o) => (o as { exitCode: number }).exitCode), Array.from({ length: 20 }, (_, i) => i % 3));
    assert.equal(readFileSync(log, 'utf8'), Array.from({ length: 20 }, (_, i) => `${i}\n`).join(''));
  } finally {
    shell.close();
  }
});

test('a walltime kills the command with everything it started, and the next command still runs', async () => {
  const shell = new ShellSpawner({ killGraceMs: 500 });
  const dir = freshRunDir('shell-spawner-');
  try {
    await assert.rejects(
      shell.run({ kind: 'bash', command: `sleep 30 & echo $! > ${dir}/bg; sleep 30`, walltimeSec: 0.3 }),
      (err: unknown) => err instanceof TaskWalltimeExceededError && err.code === ErrorCode.TaskWalltimeExceeded,
    );
    const bg = Number(readFileSync(join(dir, 'bg'), 'utf8'));
    assert.deepEqual(alive([bg]), [], 'the background child of the command was killed too');
    assert.equal(((await shell.run({ kind: 'bash', command: 'exit 0' })) as { exitCode: number }).exitCode, 0);
  } finally {
    shell.close();
  }
});

test('an abort kills the running command and rejects with the signal reason', async () => {
  const shell = new ShellSpawner({ killGraceMs: 500 });
  const dir = freshRunDir('shell-spawner-');
  try {
    const ac = new AbortController();
    const run = shell.run({ kind: 'bash', command: `touch ${dir}/started; sleep 30` }, ac.signal);
    await until(() => existsSync(join(dir, 'started')), 30_000, 'the command to start');
    ac.abort(new Error('stop it'));
    await assert.rejects(run, /stop it/);
  } finally {
    shell.close();
  }
});

test('a shell that dies mid-command rejects with ShellExitedError (the worker reports WorkerLost)', async () => {
  const shell = new ShellSpawner();
  const dir = freshRunDir('shell-spawner-');
  try {
    const run = shell.run({ kind: 'bash', command: `echo $$ > ${dir}/shell; sleep 30` });
    const pid = await until(() => (existsSync(join(dir, 'shell')) ? Number(readFileSync(join(dir, 'shell'), 'utf8')) || undefined : undefined), 30_000, 'the shell pid');
    assert.ok(processTable().some((p) => p.pid === pid && p.cmd.includes('bash')));
    process.kill(pid, 'SIGKILL');
    await assert.rejects(run, ShellExitedError);
    // A fresh shell serves the next command.
    assert.equal(((await shell.run({ kind: 'bash', command: 'exit 2' })) as { exitCode: number }).exitCode, 2);
  } finally {
    shell.close();
  }
});
