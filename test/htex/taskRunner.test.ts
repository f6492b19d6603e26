/** runTask's bash tasks (local executor and HTEX workers alike) under the process supervisor. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/util/index.js';
import { TaskWalltimeExceededError } from '../../src/executors/errors.js';
import { runTask } from '../../src/executors/taskRunner.js';
import type { BashTaskSpec } from '../../src/executors/executor.js';
import { ProcessLostError } from '../../src/process/index.js';
import { alive, freshRunDir, processTable, until } from './helpers.js';

test('a bash task: exit code, its files (parent folders made), its env added to ours, its cwd', async () => {
  const dir = freshRunDir('bash-task-');
  const spec: BashTaskSpec = { kind: 'bash', command: 'echo "$A $B ${HOME:+home}" ; echo oops >&2; cd sub 2>/dev/null || pwd; exit 5', cwd: dir, env: { A: 'x y', B: "it's" }, stdout: 'o/out.txt', stderr: 'o/err.txt' };
  const outcome = await runTask(spec);
  assert.deepEqual(outcome, { kind: 'bash', exitCode: 5, signal: null, stdout: 'o/out.txt', stderr: 'o/err.txt' });
  assert.equal(readFileSync(join(dir, 'o/out.txt'), 'utf8'), `x y it's ${process.env.HOME ? 'home' : ''}\n${dir}\n`);
  assert.equal(readFileSync(join(dir, 'o/err.txt'), 'utf8'), 'oops\n');
  // One file for both streams; a task killed by a signal reports it.
  const both = await runTask({ kind: 'bash', command: 'echo 1; echo 2 >&2; kill -TERM $$', cwd: dir, stdout: 'both', stderr: 'both' });
  assert.deepEqual(both, { kind: 'bash', exitCode: 143, signal: 'SIGTERM', stdout: 'both', stderr: 'both' });
  assert.equal(readFileSync(join(dir, 'both'), 'utf8'), '1\n2\n');
});

test('a walltime kills the command with everything it started, and the next command still runs', async () => {
  const dir = freshRunDir('bash-task-');
  await assert.rejects(
    runTask({ kind: 'bash', command: `sleep 30 & echo $! > ${dir}/bg; sleep 30`, walltimeSec: 0.3 }, undefined, { killGraceMs: 500 }),
    (err: unknown) => err instanceof TaskWalltimeExceededError && err.code === ErrorCode.TaskWalltimeExceeded,
  );
  const bg = Number(readFileSync(join(dir, 'bg'), 'utf8'));
  assert.deepEqual(alive([bg]), [], 'the background child of the command was killed too');
  assert.equal(((await runTask({ kind: 'bash', command: 'exit 0' })) as { exitCode: number }).exitCode, 0);
});

test('an abort kills the running command and rejects with the signal reason', async () => {
  const dir = freshRunDir('bash-task-');
  const ac = new AbortController();
  const run = runTask({ kind: 'bash', command: `echo $$ > ${dir}/pid; sleep 30` }, ac.signal, { killGraceMs: 500 });
  const pid = await until(() => (existsSync(join(dir, 'pid')) ? Number(readFileSync(join(dir, 'pid'), 'utf8')) || undefined : undefined), 30_000, 'the command to start');
  ac.abort(new Error('stop it'));
  await assert.rejects(run, /stop it/);
  assert.deepEqual(processTable().filter((p) => p.pgid === pid && alive([p.pid]).length > 0), [], 'the task group outlived the abort');
});

test('the spawner killed mid-task: the task rejects with ProcessLostError (a worker reports WorkerLost), its group is killed, the next task runs', async () => {
  const dir = freshRunDir('bash-task-');
  const run = runTask({ kind: 'bash', command: `echo $$ $PPID > ${dir}/pids; sleep 30` });
  const [task, spawner] = await until(() => (existsSync(join(dir, 'pids')) ? readFileSync(join(dir, 'pids'), 'utf8').trim().split(' ').map(Number) : undefined), 30_000, 'the task to start');
  assert.match(readFileSync(`/proc/${spawner}/comm`, 'utf8'), /^pcwl-spawner/);
  process.kill(spawner as number, 'SIGKILL');
  await assert.rejects(run, (err: unknown) => err instanceof ProcessLostError && err.code === ErrorCode.ProcessLost && /SIGKILL/.test(err.message));
  assert.deepEqual(processTable().filter((p) => p.pgid === task && alive([p.pid]).length > 0), [], 'the task group outlived its spawner');
  assert.equal(((await runTask({ kind: 'bash', command: 'exit 2' })) as { exitCode: number }).exitCode, 2);
});

test('bash tasks see exactly our environment plus their own, whatever ran before them in the same fork server', async () => {
  const dir = freshRunDir('bash-task-');
  const envOf = async (name: string, env?: Record<string, string>): Promise<string> => {
    await runTask({ kind: 'bash', command: `env | grep '^PCWL_T_' | sort`, cwd: dir, stdout: name, ...(env ? { env } : {}) });
    return readFileSync(join(dir, name), 'utf8');
  };
  // Queued: one fork server runs them all; it was started with the first task's environment.
  const queued = (name: string, env?: Record<string, string>) =>
    runTask({ kind: 'bash', command: `env | grep '^PCWL_T_' | sort`, cwd: dir, stdout: name, ...(env ? { env } : {}) }, undefined, { queued: true });
  await Promise.all([queued('q1', { PCWL_T_A: 'a b' }), queued('q2'), queued('q3', { PCWL_T_B: "it's" })]);
  assert.equal(readFileSync(join(dir, 'q1'), 'utf8'), 'PCWL_T_A=a b\n');
  assert.equal(readFileSync(join(dir, 'q2'), 'utf8'), '', 'a variable of an earlier task leaked into a later one');
  assert.equal(readFileSync(join(dir, 'q3'), 'utf8'), "PCWL_T_B=it's\n");
  assert.equal(await envOf('u1', { PCWL_T_C: '1' }), 'PCWL_T_C=1\n');
  assert.equal(await envOf('u2'), '');
});

test('queued bash tasks run one at a time, in order, and a time limit counts from a task\'s own start', async () => {
  const dir = freshRunDir('bash-task-');
  const log = join(dir, 'order');
  const runs = Array.from({ length: 20 }, (_, i) =>
    runTask({ kind: 'bash', command: `echo start ${i} >> ${log}; sleep 0.0$((${i} % 3)); echo end ${i} >> ${log}; exit ${i % 3}` }, undefined, { queued: true }),
  );
  // Behind 20 tasks, a 1 s limit still lets a 0.2 s task finish.
  const late = runTask({ kind: 'bash', command: 'sleep 0.2', walltimeSec: 1 }, undefined, { queued: true });
  const outcomes = await Promise.all(runs);
  assert.deepEqual(outcomes.map((o) => (o as { exitCode: number }).exitCode), Array.from({ length: 20 }, (_, i) => i % 3));
  assert.equal(readFileSync(log, 'utf8'), Array.from({ length: 20 }, (_, i) => `start ${i}\nend ${i}\n`).join(''));
  assert.equal(((await late) as { exitCode: number }).exitCode, 0);
});
