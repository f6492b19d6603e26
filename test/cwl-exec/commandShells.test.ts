import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, watch, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, SpawnFailure } from '../../src/cwl/execution/processRunner.js';
import { StagingError } from '../../src/cwl/errors.js';

const PATH = process.env.PATH ?? '/usr/bin:/bin';
const RUNNER = fileURLToPath(new URL('../../src/cwl/execution/processRunner.js', import.meta.url));

async function dir() {
  return mkdtemp(path.join(os.tmpdir(), 'pcwl-shells-'));
}

/** Gone, or a zombie nobody reaped yet. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) [ZX]/.test(stat);
}

async function goneSoon(pid: number): Promise<boolean> {
  const deadline = Date.now() + 3000;
  while ((await isRunning(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return !(await isRunning(pid));
}

/** Resolves once `file` exists in `d` (an fs event, no polling sleeps). */
async function appeared(d: string, file: string): Promise<void> {
  const ac = new AbortController();
  try {
    for await (const ev of watch(d, { signal: ac.signal })) if (ev.filename === file) return;
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    ac.abort();
  }
}

function io(d: string) {
  return { cwd: d, stdout: path.join(d, 'out'), stderr: path.join(d, 'err'), jobName: 'j' };
}

test('the environment is exactly the one given: no _, SHLVL, PWD or anything of the runner', async () => {
  const d = await dir();
  const env = { HOME: d, TMPDIR: '/tmp/x y', PATH, MULTI: 'a\nb=c', EMPTY: '' };
  const out = await runCommand({ ...io(d), argv: ['env', '-0'], env });
  assert.equal(out.exitCode, 0);
  const seen = (await readFile(path.join(d, 'out'), 'utf8')).split('\0').filter((l) => l !== '');
  assert.deepEqual(seen.sort(), Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
  // Names bash treats as its own, or that are not identifiers, still arrive exactly (env -i path).
  const odd = { ...env, RANDOM: '4', 'WEIRD-NAME': 'v', BASH_ENV: '/nonexistent', IFS: ':' };
  assert.equal((await runCommand({ ...io(d), argv: ['env', '-0'], env: odd })).exitCode, 0);
  const seenOdd = (await readFile(path.join(d, 'out'), 'utf8')).split('\0').filter((l) => l !== '');
  assert.deepEqual(seenOdd.sort(), Object.entries(odd).map(([k, v]) => `${k}=${v}`).sort());
});

test('argv reaches the program word for word, argv[0] as given', async () => {
  const d = await dir();
  const words = ['plain', 'two words', "it's", '"q"', '$HOME', '*', '', 'line\nbreak', '-n', '\\', '--', 'x=y'];
  const out = await runCommand({ ...io(d), argv: ['sh', '-c', 'cat /proc/$$/cmdline', ...words], env: { PATH } });
  assert.equal(out.exitCode, 0);
  const argv = (await readFile(path.join(d, 'out'), 'utf8')).split('\0').slice(0, -1);
  assert.deepEqual(argv, ['sh', '-c', 'cat /proc/$$/cmdline', ...words]);
});

test('stderr may be the same file as stdout; a program exiting 127 itself is an exit code, not a spawn failure', async () => {
  const d = await dir();
  const both = path.join(d, 'both');
  const out = await runCommand({ ...io(d), stdout: both, stderr: both, argv: ['/bin/sh', '-c', 'echo one; echo two >&2; exit 127'], env: {} });
  assert.equal(out.exitCode, 127);
  assert.equal(out.signal, null);
  assert.equal(await readFile(both, 'utf8'), 'one\ntwo\n');
});

test('a program that is not executable, or a working directory that is missing, fails as such', async () => {
  const d = await dir();
  await writeFile(path.join(d, 'tool.sh'), 'echo hi\n');
  await chmod(path.join(d, 'tool.sh'), 0o644);
  await assert.rejects(runCommand({ ...io(d), argv: [path.join(d, 'tool.sh')], env: { PATH } }), (e: unknown) => e instanceof SpawnFailure && /EACCES/.test(e.message));
  await assert.rejects(runCommand({ ...io(d), argv: ['tool.sh'], env: { PATH: d } }), (e: unknown) => e instanceof SpawnFailure && /tool\.sh/.test(e.message));
  await assert.rejects(
    runCommand({ ...io(d), cwd: path.join(d, 'nowhere'), argv: ['true'], env: { PATH } }),
    (e: unknown) => e instanceof StagingError && /nowhere/.test(e.message) && /working directory/.test(e.message),
  );
  await assert.rejects(
    runCommand({ ...io(d), stdout: path.join(d, 'no', 'dir', 'out'), argv: ['true'], env: { PATH } }),
    (e: unknown) => e instanceof StagingError && /stdout/.test(e.message),
  );
});

test('commands run at once, each in its own shell (the second one releases the first)', async () => {
  const d = await dir();
  const first = runCommand({ ...io(d), stdout: path.join(d, 'o1'), argv: ['/bin/sh', '-c', 'while [ ! -e go ]; do sleep 0.01; done; echo released'], env: { PATH }, timeLimitSec: 10 });
  const second = runCommand({ ...io(d), stdout: path.join(d, 'o2'), argv: ['touch', 'go'], env: { PATH } });
  assert.equal((await second).exitCode, 0);
  assert.equal((await first).exitCode, 0);
  assert.equal(await readFile(path.join(d, 'o1'), 'utf8'), 'released\n');
});

/** Run `body` (ES module code with runCommand, D and PATH in scope) in a new Node process; its exit code. */
async function inFreshRunner(d: string, body: string): Promise<number | null> {
  const script = `import { runCommand } from ${JSON.stringify(RUNNER)};\nconst D = ${JSON.stringify(d)};\nconst PATH = ${JSON.stringify(PATH)};\n${body}\n`;
  await writeFile(path.join(d, 'runner.mjs'), script);
  const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('a lone first command is spawned from the runner itself; later and concurrent ones go through shells', async () => {
  const d = await dir();
  const code = await inFreshRunner(
    d,
    `const io = (n) => ({ cwd: D, env: { PATH }, stdout: D + '/' + n, stderr: D + '/e' + n, jobName: 'x' });
const ppid = ['sh', '-c', 'echo $PPID'];
await runCommand({ ...io('first'), argv: ppid });
await runCommand({ ...io('second'), argv: ppid });
await Promise.all([runCommand({ ...io('a'), argv: ppid }), runCommand({ ...io('b'), argv: ppid })]);
(await import('node:fs')).writeFileSync(D + '/runner', String(process.pid));`,
  );
  assert.equal(code, 0);
  const read = async (n: string) => (await readFile(path.join(d, n), 'utf8')).trim();
  const runner = await read('runner');
  assert.equal(await read('first'), runner, 'the first command was not started by the runner');
  for (const n of ['second', 'a', 'b']) assert.notEqual(await read(n), runner, `command ${n} did not go through a shell`);
  assert.notEqual(await read('a'), await read('b'), 'two commands at once shared a shell');
});

test('a lone first command fails the way the shells report it: working directory, stdout, program, time limit', async () => {
  for (const [call, expected] of [
    [`{ argv: ['true'], cwd: D + '/nowhere', env: { PATH }, stdout: D + '/o', stderr: D + '/e', jobName: 'x' }`, 'StagingError working directory'],
    [`{ argv: ['true'], cwd: D, env: { PATH }, stdout: D + '/no/dir/o', stderr: D + '/e', jobName: 'x' }`, 'StagingError stdout'],
    [`{ argv: ['no-such-program-here'], cwd: D, env: { PATH }, stdout: D + '/o', stderr: D + '/e', jobName: 'x' }`, 'SpawnFailure no such program'],
    [`{ argv: ['sh', '-c', 'sleep 30'], cwd: D, env: { PATH }, stdout: D + '/o', stderr: D + '/e', jobName: 'x', timeLimitSec: 1 }`, 'ToolTimeoutError time limit of 1 s'],
  ] as const) {
    const d = await dir();
    const code = await inFreshRunner(
      d,
      `try { await runCommand(${call}); } catch (e) { (await import('node:fs')).writeFileSync(D + '/error', e.constructor.name + ' ' + e.message); }`,
    );
    assert.equal(code, 0);
    const [cls, ...words] = expected.split(' ');
    const error = await readFile(path.join(d, 'error'), 'utf8');
    assert.ok(error.startsWith(`${cls} `) && error.includes(words.join(' ')), `expected ${expected}, got: ${error}`);
  }
});

test('the runner killed by SIGTERM takes its lone first command with it', async () => {
  const d = await dir();
  const script = `import { runCommand } from ${JSON.stringify(RUNNER)};
await runCommand({ argv: ['sh', '-c', 'echo $$ > ${d}/pid.tmp && mv ${d}/pid.tmp ${d}/pid && exec sleep 60'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o'))}, stderr: ${JSON.stringify(path.join(d, 'e'))}, jobName: 'x' });
`;
  await writeFile(path.join(d, 'runner.mjs'), script);
  const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  await appeared(d, 'pid');
  const toolPid = Number(await readFile(path.join(d, 'pid'), 'utf8'));
  assert.ok(await isRunning(toolPid));
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM');
  assert.ok(await goneSoon(toolPid), 'the tool is still running');
});

test('the runner killed by SIGTERM (no handler of its own) takes its shells and the running tool with it', async () => {
  const d = await dir();
  // The first command runs without a shell (see the test above): the second one goes through one.
  const script = `import { runCommand } from ${JSON.stringify(RUNNER)};
await runCommand({ argv: ['true'], cwd: ${JSON.stringify(d)}, env: {}, stdout: ${JSON.stringify(path.join(d, 'o0'))}, stderr: ${JSON.stringify(path.join(d, 'e0'))}, jobName: 'x' });
await runCommand({ argv: ['sh', '-c', 'echo $$ > ${d}/pid.tmp && mv ${d}/pid.tmp ${d}/pid && exec sleep 60'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o'))}, stderr: ${JSON.stringify(path.join(d, 'e'))}, jobName: 'x' });
`;
  await writeFile(path.join(d, 'runner.mjs'), script);
  const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  await appeared(d, 'pid');
  const toolPid = Number(await readFile(path.join(d, 'pid'), 'utf8'));
  const shellPid = Number((await readFile(`/proc/${toolPid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ')[1]);
  assert.notEqual(shellPid, child.pid, 'the tool was not started by a shell');
  assert.ok(await isRunning(toolPid));
  assert.ok(await isRunning(shellPid));
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM');
  assert.ok(await goneSoon(toolPid), 'the tool is still running');
  assert.ok(await goneSoon(shellPid), 'the command shell is still running');
});

test('an idle pool does not keep the runner alive', { timeout: 20_000 }, async () => {
  const d = await dir();
  // Two commands: the first runs without a shell, the second leaves one idle.
  const script = `import { runCommand } from ${JSON.stringify(RUNNER)};
await runCommand({ argv: ['true'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o0'))}, stderr: ${JSON.stringify(path.join(d, 'e0'))}, jobName: 'x' });
const o = await runCommand({ argv: ['true'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o'))}, stderr: ${JSON.stringify(path.join(d, 'e'))}, jobName: 'x' });
process.exitCode = o.exitCode === 0 ? 7 : 1;
`;
  await writeFile(path.join(d, 'runner.mjs'), script);
  const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 7);
});
