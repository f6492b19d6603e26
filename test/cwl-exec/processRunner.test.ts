import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCommand, SpawnFailure } from '../../src/cwl/execution/processRunner.js';
import { StagingError, ToolTimeoutError } from '../../src/cwl/errors.js';

/** Gone, or a zombie nobody reaped yet (PID 1 in a container may never reap it). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function dir() {
  return mkdtemp(path.join(os.tmpdir(), 'pcwl-run-'));
}

test('stdout and stderr go to the files, stdin comes from a file, env is exactly what was given', async () => {
  const d = await dir();
  await writeFile(path.join(d, 'in.txt'), 'from stdin\n');
  const out = await runCommand({
    argv: ['/bin/sh', '-c', 'cat; echo "HOME=$HOME X=$X USER=${USER:-unset}"; echo oops >&2; exit 3'],
    cwd: d,
    env: { HOME: d, X: 'y', PATH: process.env.PATH ?? '' },
    stdin: path.join(d, 'in.txt'),
    stdout: path.join(d, 'out.txt'),
    stderr: path.join(d, 'err.txt'),
    jobName: 't',
  });
  assert.equal(out.exitCode, 3);
  assert.equal(await readFile(path.join(d, 'out.txt'), 'utf8'), `from stdin\nHOME=${d} X=y USER=unset\n`);
  assert.equal(await readFile(path.join(d, 'err.txt'), 'utf8'), 'oops\n');
});

test('a time limit kills the whole process group and rejects with ToolTimeoutError', async () => {
  const d = await dir();
  const started = Date.now();
  // The background sleep is in the same group: it must die too, or `wait` would hold the shell.
  await assert.rejects(
    runCommand({ argv: ['/bin/sh', '-c', 'sleep 30 & echo $! > bg.pid; wait'], cwd: d, env: {}, stdout: path.join(d, 'o'), stderr: path.join(d, 'e'), timeLimitSec: 1, jobName: 'slow' }),
    (e: unknown) => e instanceof ToolTimeoutError && e.code === 'PCWL_TOOL_TIMEOUT' && /slow/.test(e.message),
  );
  assert.ok(Date.now() - started < 10_000);
  const bgPid = Number(await readFile(path.join(d, 'bg.pid'), 'utf8'));
  // Signal delivery is asynchronous: give the killed child a moment to be gone.
  const deadline = Date.now() + 2000;
  while ((await isRunning(bgPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(!(await isRunning(bgPid)), 'the background child of the command is still running');
});

test('an abort signal stops the command', async () => {
  const d = await dir();
  const ac = new AbortController();
  const run = runCommand({ argv: ['sleep', '30'], cwd: d, env: { PATH: process.env.PATH ?? '' }, stdout: path.join(d, 'o'), stderr: path.join(d, 'e'), jobName: 'x', signal: ac.signal });
  setImmediate(() => ac.abort(new Error('cancelled by test')));
  await assert.rejects(run, /cancelled by test/);
});

test('a program that does not exist is a SpawnFailure naming it', async () => {
  const d = await dir();
  await assert.rejects(
    runCommand({ argv: ['no-such-program-pcwl'], cwd: d, env: { PATH: '/usr/bin:/bin' }, stdout: path.join(d, 'o'), stderr: path.join(d, 'e'), jobName: 'x' }),
    (e: unknown) => e instanceof SpawnFailure && /no-such-program-pcwl/.test(e.message),
  );
});

test('a command killed by a signal reports 128 + the signal number', async () => {
  const d = await dir();
  const out = await runCommand({ argv: ['/bin/sh', '-c', 'kill -TERM $$'], cwd: d, env: {}, stdout: path.join(d, 'o'), stderr: path.join(d, 'e'), jobName: 'x' });
  assert.equal(out.exitCode, 128 + 15);
  assert.equal(out.signal, 'SIGTERM');
});

test('a stdin file that does not exist is a StagingError naming it', async () => {
  const d = await dir();
  await assert.rejects(
    runCommand({ argv: ['cat'], cwd: d, env: {}, stdin: path.join(d, 'missing.txt'), stdout: path.join(d, 'o'), stderr: path.join(d, 'e'), jobName: 'x' }),
    (e: unknown) => e instanceof StagingError && /missing\.txt/.test(e.message) && /stdin/.test(e.message),
  );
});
