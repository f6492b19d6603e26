/**
 * The command-start test-suite (processRunner.runCommand through the process supervisor), run once
 * per backend: nodeSpawn.test.ts (Node's spawn) and nativeSpawner.test.ts (dist/native/pcwl-spawner).
 * Each test file runs in its own process and sets PARSL_CWL_SPAWNER before its first command; the
 * runners started by the tests inherit it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, SpawnFailure } from '../../src/cwl/execution/processRunner.js';
import { StagingError, ToolTimeoutError } from '../../src/cwl/errors.js';
import type { BackendName } from '../../src/process/index.js';
import { appeared } from '../fileEvents.js';

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

// 10 s, not less: under load 20-30 on 2 cores the spawner's exit was seen to take over 3 s.
async function goneSoon(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while ((await isRunning(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return !(await isRunning(pid));
}

function io(d: string) {
  return { cwd: d, stdout: path.join(d, 'out'), stderr: path.join(d, 'err'), jobName: 'j' };
}

/** Run `body` (ES module code with runCommand, D and PATH in scope) in a new Node process; its exit code. */
async function inFreshRunner(d: string, body: string): Promise<number | null> {
  const script = `import { runCommand } from ${JSON.stringify(RUNNER)};\nconst D = ${JSON.stringify(d)};\nconst PATH = ${JSON.stringify(PATH)};\n${body}\n`;
  await writeFile(path.join(d, 'runner.mjs'), script);
  const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The process name (comm) of what starts commands with this backend; undefined: the runner itself. */
const STARTER_NAME: Record<BackendName, string | undefined> = { node: undefined, native: 'pcwl-spawner' };

export function commandStarterSuite(backend: BackendName): void {
  process.env.PARSL_CWL_SPAWNER = backend;
  const starter = STARTER_NAME[backend];
  const t = (name: string) => `[${backend}] ${name}`;

  test(t('the environment is exactly the one given: no _, SHLVL, PWD or anything of the runner'), async () => {
    const d = await dir();
    const env = { HOME: d, TMPDIR: '/tmp/x y', PATH, MULTI: 'a\nb=c', EMPTY: '' };
    const out = await runCommand({ ...io(d), argv: ['env', '-0'], env });
    assert.equal(out.exitCode, 0);
    const seen = (await readFile(path.join(d, 'out'), 'utf8')).split('\0').filter((l) => l !== '');
    assert.deepEqual(seen.sort(), Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
    // Names bash treats as its own, or that are not identifiers, still arrive exactly.
    const odd = { ...env, RANDOM: '4', 'WEIRD-NAME': 'v', BASH_ENV: '/nonexistent', IFS: ':' };
    assert.equal((await runCommand({ ...io(d), argv: ['env', '-0'], env: odd })).exitCode, 0);
    const seenOdd = (await readFile(path.join(d, 'out'), 'utf8')).split('\0').filter((l) => l !== '');
    assert.deepEqual(seenOdd.sort(), Object.entries(odd).map(([k, v]) => `${k}=${v}`).sort());
    // An empty environment stays empty (the runner's own variables never leak in).
    assert.equal((await runCommand({ ...io(d), argv: ['/usr/bin/env', '-0'], env: {} })).exitCode, 0);
    assert.equal(await readFile(path.join(d, 'out'), 'utf8'), '');
  });

  test(t('argv reaches the program word for word, argv[0] as given'), async () => {
    const d = await dir();
    const words = ['plain', 'two words', "it's", '"q"', '$HOME', '*', '', 'line\nbreak', '-n', '\\', '--', 'x=y', 'ünï'];
    const out = await runCommand({ ...io(d), argv: ['sh', '-c', 'cat /proc/$$/cmdline', ...words], env: { PATH } });
    assert.equal(out.exitCode, 0);
    const argv = (await readFile(path.join(d, 'out'), 'utf8')).split('\0').slice(0, -1);
    assert.deepEqual(argv, ['sh', '-c', 'cat /proc/$$/cmdline', ...words]);
  });

  test(t('stdin comes from the file, stdout and stderr go to theirs (relative names from the working directory)'), async () => {
    const d = await dir();
    await writeFile(path.join(d, 'in.txt'), 'from stdin\n');
    const out = await runCommand({ ...io(d), stdin: path.join(d, 'in.txt'), stdout: 'o.txt', stderr: 'e.txt', argv: ['/bin/sh', '-c', 'cat; echo err >&2'], env: {} });
    assert.equal(out.exitCode, 0);
    assert.equal(await readFile(path.join(d, 'o.txt'), 'utf8'), 'from stdin\n');
    assert.equal(await readFile(path.join(d, 'e.txt'), 'utf8'), 'err\n');
    // No stdin file: /dev/null (reads end at once).
    assert.equal((await runCommand({ ...io(d), argv: ['/bin/sh', '-c', 'cat; echo done'], env: {} })).exitCode, 0);
    assert.equal(await readFile(path.join(d, 'out'), 'utf8'), 'done\n');
  });

  test(t('stderr may be the same file as stdout; a program exiting 127 itself is an exit code, not a spawn failure'), async () => {
    const d = await dir();
    const both = path.join(d, 'both');
    const out = await runCommand({ ...io(d), stdout: both, stderr: both, argv: ['/bin/sh', '-c', 'echo one; echo two >&2; exit 127'], env: {} });
    assert.equal(out.exitCode, 127);
    assert.equal(out.signal, null);
    assert.equal(await readFile(both, 'utf8'), 'one\ntwo\n');
  });

  test(t('a command killed by signal n ends with status 128+n and that signal'), async () => {
    const d = await dir();
    const term = await runCommand({ ...io(d), argv: ['/bin/sh', '-c', 'kill -TERM $$'], env: {} });
    assert.deepEqual(term, { exitCode: 143, signal: 'SIGTERM' });
    const kill = await runCommand({ ...io(d), argv: ['/bin/sh', '-c', 'kill -KILL $$'], env: {} });
    assert.deepEqual(kill, { exitCode: 137, signal: 'SIGKILL' });
    // Signals start at their defaults and unblocked: a SIGINT the runner might ignore still kills.
    const int = await runCommand({ ...io(d), argv: ['/bin/sh', '-c', 'kill -INT $$; sleep 5'], env: {}, timeLimitSec: 20 });
    assert.deepEqual(int, { exitCode: 130, signal: 'SIGINT' });
  });

  test(t('a program that is not executable, or a working directory or stream that cannot be opened, fails as such'), async () => {
    const d = await dir();
    await writeFile(path.join(d, 'tool.sh'), 'echo hi\n');
    await chmod(path.join(d, 'tool.sh'), 0o644);
    await assert.rejects(runCommand({ ...io(d), argv: [path.join(d, 'tool.sh')], env: { PATH } }), (e: unknown) => e instanceof SpawnFailure && /EACCES/.test(e.message));
    // Found on PATH but not executable: EACCES, as execvp says.
    await assert.rejects(runCommand({ ...io(d), argv: ['tool.sh'], env: { PATH: d } }), (e: unknown) => e instanceof SpawnFailure && e.errno === 'EACCES' && /tool\.sh/.test(e.message));
    await assert.rejects(
      runCommand({ ...io(d), argv: ['no-such-program-here'], env: { PATH } }),
      (e: unknown) => e instanceof SpawnFailure && e.errno === 'ENOENT' && /no such program/.test(e.message),
    );
    await assert.rejects(
      runCommand({ ...io(d), cwd: path.join(d, 'nowhere'), argv: ['true'], env: { PATH } }),
      (e: unknown) => e instanceof StagingError && /nowhere/.test(e.message) && /working directory/.test(e.message),
    );
    await assert.rejects(
      runCommand({ ...io(d), stdout: path.join(d, 'no', 'dir', 'out'), argv: ['true'], env: { PATH } }),
      (e: unknown) => e instanceof StagingError && /stdout/.test(e.message),
    );
    // A directory cannot be written to (the tests may run as root, for whom modes do not count).
    await mkdir(path.join(d, 'adir'));
    await assert.rejects(
      runCommand({ ...io(d), stderr: path.join(d, 'adir'), argv: ['true'], env: { PATH } }),
      (e: unknown) => e instanceof StagingError && /stderr/.test(e.message) && /adir/.test(e.message),
    );
    await assert.rejects(
      runCommand({ ...io(d), stdin: path.join(d, 'missing-input'), argv: ['true'], env: { PATH } }),
      (e: unknown) => e instanceof StagingError && /stdin/.test(e.message) && /missing-input/.test(e.message),
    );
  });

  test(t('a program found through an empty PATH entry runs from the working directory; no PATH means /usr/bin:/bin'), async () => {
    const d = await dir();
    await writeFile(path.join(d, 'here.sh'), '#!/bin/sh\necho here\n');
    await chmod(path.join(d, 'here.sh'), 0o755);
    assert.equal((await runCommand({ ...io(d), argv: ['here.sh'], env: { PATH: '/nonexistent:' } })).exitCode, 0);
    assert.equal(await readFile(path.join(d, 'out'), 'utf8'), 'here\n');
    assert.equal((await runCommand({ ...io(d), argv: ['sh', '-c', 'echo ok'], env: {} })).exitCode, 0);
    assert.equal(await readFile(path.join(d, 'out'), 'utf8'), 'ok\n');
  });

  test(t('an executable file without #! runs as a /bin/sh script, as execvp does'), async () => {
    const d = await dir();
    await writeFile(path.join(d, 'noshebang'), 'echo "script $1"\n');
    await chmod(path.join(d, 'noshebang'), 0o755);
    // Twice: the first command of a process and a later one.
    for (const n of ['1', '2']) {
      const out = await runCommand({ ...io(d), stdout: path.join(d, `o${n}`), argv: ['./noshebang', `arg${n}`], env: { PATH } });
      assert.equal(out.exitCode, 0);
      assert.equal(await readFile(path.join(d, `o${n}`), 'utf8'), `script arg${n}\n`);
    }
  });

  test(t('commands run at once (the second one releases the first)'), async () => {
    const d = await dir();
    const first = runCommand({ ...io(d), stdout: path.join(d, 'o1'), argv: ['/bin/sh', '-c', 'while [ ! -e go ]; do sleep 0.01; done; echo released'], env: { PATH }, timeLimitSec: 10 });
    const second = runCommand({ ...io(d), stdout: path.join(d, 'o2'), argv: ['touch', 'go'], env: { PATH } });
    assert.equal((await second).exitCode, 0);
    assert.equal((await first).exitCode, 0);
    assert.equal(await readFile(path.join(d, 'o1'), 'utf8'), 'released\n');
  });

  test(t('many commands at once each get their own argv, environment, streams and exit code'), async () => {
    const d = await dir();
    const n = 60;
    const outcomes = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        runCommand({ ...io(d), stdout: path.join(d, `o${i}`), stderr: path.join(d, `e${i}`), argv: ['/bin/sh', '-c', 'echo "$1 $N"; echo err$1 >&2; exit $(($1 % 7))', 'sh', String(i)], env: { N: `n${i}` } }),
      ),
    );
    for (let i = 0; i < n; i++) {
      assert.equal(outcomes[i]?.exitCode, i % 7);
      assert.equal(await readFile(path.join(d, `o${i}`), 'utf8'), `${i} n${i}\n`);
      assert.equal(await readFile(path.join(d, `e${i}`), 'utf8'), `err${i}\n`);
    }
  });

  test(t('a time limit kills the command group and rejects with ToolTimeoutError'), async () => {
    const d = await dir();
    await assert.rejects(
      runCommand({ ...io(d), argv: ['/bin/sh', '-c', 'sleep 30 & echo $! > bg.pid; wait'], env: {}, timeLimitSec: 1, jobName: 'slow' }),
      (e: unknown) => e instanceof ToolTimeoutError && /slow/.test(e.message),
    );
    const bg = Number(await readFile(path.join(d, 'bg.pid'), 'utf8'));
    assert.ok(await goneSoon(bg), 'the background child of the command is still running');
    const ac = new AbortController();
    const run = runCommand({ ...io(d), argv: ['sleep', '30'], env: { PATH }, signal: ac.signal });
    setImmediate(() => ac.abort(new Error('cancelled by test')));
    await assert.rejects(run, /cancelled by test/);
  });

  test(t('a command ignoring SIGTERM at its time limit: SIGKILL after the grace period, and the run settles only once its group is gone'), async () => {
    const d = await dir();
    const started = Date.now();
    // The background sleep inherits the ignored SIGTERM; the shell waits for it.
    await assert.rejects(
      runCommand({ ...io(d), argv: ['/bin/sh', '-c', "trap '' TERM; sleep 600 & echo $! > bg.pid; wait; wait"], env: { PATH }, timeLimitSec: 1, killGraceMs: 400, jobName: 'stubborn' }),
      (e: unknown) => e instanceof ToolTimeoutError && /stubborn/.test(e.message),
    );
    assert.ok(Date.now() - started >= 1400, 'settled before the grace period ran out');
    const bg = Number(await readFile(path.join(d, 'bg.pid'), 'utf8'));
    // No waiting here: the run settled, so nothing of its group may be left.
    assert.ok(!(await isRunning(bg)), 'the sleep is still running after the run settled');
  });

  test(t('what a command leaves running when it exits is killed before the run settles'), async () => {
    const d = await dir();
    const out = await runCommand({ ...io(d), argv: ['/bin/sh', '-c', '(sleep 300 & echo $! > bg.pid)'], env: { PATH } });
    assert.equal(out.exitCode, 0);
    const bg = Number(await readFile(path.join(d, 'bg.pid'), 'utf8'));
    assert.ok(!(await isRunning(bg)), 'the background sleep outlived its command');
  });

  test(t('every command, the first one too, is started by the backend; commands at once share the spawner'), async () => {
    const d = await dir();
    const code = await inFreshRunner(
      d,
      `const io = (n) => ({ cwd: D, env: { PATH }, stdout: D + '/' + n, stderr: D + '/e' + n, jobName: 'x' });
const ppid = ['sh', '-c', 'echo $PPID $(cat /proc/$PPID/comm)'];
await runCommand({ ...io('first'), argv: ppid });
await runCommand({ ...io('second'), argv: ppid });
await Promise.all([runCommand({ ...io('a'), argv: ppid }), runCommand({ ...io('b'), argv: ppid })]);
(await import('node:fs')).writeFileSync(D + '/runner', String(process.pid));`,
    );
    assert.equal(code, 0);
    const read = async (n: string) => (await readFile(path.join(d, n), 'utf8')).trim().split(' ');
    const [runner] = await read('runner');
    for (const n of ['first', 'second', 'a', 'b']) {
      const [parent, name] = await read(n);
      if (starter === undefined) {
        assert.equal(parent, runner, `command ${n} was not started by the runner`);
      } else {
        assert.notEqual(parent, runner, `command ${n} did not go through the spawner`);
        assert.equal(name, starter, `command ${n} was started by ${name}, not ${starter}`);
      }
    }
    if (starter !== undefined) assert.equal((await read('a'))[0], (await read('b'))[0], 'two commands at once did not share the spawner');
  });

  test(t('the first command of a process fails as any other: working directory, stdout, program, time limit'), async () => {
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

  /**
   * A runner process (a Node script in `d`) that runs `before` commands, then a tool that writes its
   * pid and sleeps; resolves once the tool runs.
   */
  async function runnerWithSleepingTool(d: string, before: string[] = []) {
    const script = `import { runCommand } from ${JSON.stringify(RUNNER)};
${before.join('\n')}
await runCommand({ argv: ['sh', '-c', 'echo $$ > ${d}/pid.tmp && mv ${d}/pid.tmp ${d}/pid && exec sleep 60'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o'))}, stderr: ${JSON.stringify(path.join(d, 'e'))}, jobName: 'x' });
`;
    await writeFile(path.join(d, 'runner.mjs'), script);
    const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    await appeared(d, 'pid');
    const toolPid = Number(await readFile(path.join(d, 'pid'), 'utf8'));
    return { child, exited, toolPid };
  }

  test(t('the runner killed by SIGTERM takes its first command with it'), async () => {
    const d = await dir();
    const { child, exited, toolPid } = await runnerWithSleepingTool(d);
    assert.ok(await isRunning(toolPid));
    child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
    assert.ok(await goneSoon(toolPid), 'the tool is still running');
  });

  test(t('the runner killed by SIGTERM (no handler of its own) takes the spawner and the running tool with it'), async () => {
    const d = await dir();
    // A command before: the tool is not the first one the backend started.
    const { child, exited, toolPid } = await runnerWithSleepingTool(d, [
      `await runCommand({ argv: ['true'], cwd: ${JSON.stringify(d)}, env: {}, stdout: ${JSON.stringify(path.join(d, 'o0'))}, stderr: ${JSON.stringify(path.join(d, 'e0'))}, jobName: 'x' });`,
    ]);
    const starterPid = Number((await readFile(`/proc/${toolPid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ')[1]);
    if (starter === undefined) assert.equal(starterPid, child.pid, 'the tool was not started by the runner');
    else assert.notEqual(starterPid, child.pid, 'the tool was not started through the spawner');
    if (starter !== undefined) assert.equal((await readFile(`/proc/${starterPid}/comm`, 'utf8')).trim(), starter);
    assert.ok(await isRunning(toolPid));
    assert.ok(await isRunning(starterPid));
    child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
    assert.ok(await goneSoon(toolPid), 'the tool is still running');
    assert.ok(await goneSoon(starterPid), `the ${starter ?? 'runner'} process is still running`);
  });

  test(t('an idle spawner does not keep the runner alive'), { timeout: 20_000 }, async () => {
    const d = await dir();
    // Two commands; the second leaves the backend idle.
    const script = `import { runCommand } from ${JSON.stringify(RUNNER)};
await runCommand({ argv: ['true'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o0'))}, stderr: ${JSON.stringify(path.join(d, 'e0'))}, jobName: 'x' });
const o = await runCommand({ argv: ['sh', '-c', 'echo $PPID'], cwd: ${JSON.stringify(d)}, env: { PATH: ${JSON.stringify(PATH)} }, stdout: ${JSON.stringify(path.join(d, 'o'))}, stderr: ${JSON.stringify(path.join(d, 'e'))}, jobName: 'x' });
process.exitCode = o.exitCode === 0 ? 7 : 1;
`;
    await writeFile(path.join(d, 'runner.mjs'), script);
    const child = spawn(process.execPath, [path.join(d, 'runner.mjs')], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 7);
    const starterPid = Number((await readFile(path.join(d, 'o'), 'utf8')).trim());
    assert.ok(await goneSoon(starterPid), `the idle ${starter ?? 'runner'} process outlived the runner`);
  });
}
