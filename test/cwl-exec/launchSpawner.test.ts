/**
 * Launch mode of the native spawner (src/native/spawner.c "Launch mode", bin/parsl-cwl,
 * src/cli/launch.cts, src/process/nativeBackend.ts and launchSpawner.ts): `pcwl-spawner --launch node launch.cjs`
 * forks the spawner off and execs the runner, which keeps the pid the caller started; the spawner
 * serves that one process on an abstract Unix socket and dies with it. Real processes only: the
 * runs go through bin/parsl-cwl (or the spawner binary itself) with small tools written to a temp
 * folder that report what they see from /proc.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { SPAWNER_BIN } from '../../src/process/index.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/cwl-exec
const ROOT = path.resolve(here, '../../..');
const BIN = path.join(ROOT, 'bin', 'parsl-cwl');
const LAUNCH = path.join(ROOT, 'dist', 'src', 'cli', 'launch.cjs');

/** Each test's limit: a process that fails to go away must fail its test, not hang the file. */
const LIMIT = { timeout: 15_000 };

/** One code cache for this file's runs, so they neither use nor fill the user's ~/.cache. */
const CACHE_HOME = mkdtempSync(path.join(os.tmpdir(), 'pcwl-launch-cache-'));

/** Folders this file made: removed at the end. */
const made: string[] = [CACHE_HOME];

function tempDir(prefix = 'pcwl-launch-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The test's environment without anything that would choose the backend or a spawner for the run. */
function runEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: CACHE_HOME };
  for (const name of ['PARSL_CWL_SPAWNER', 'PARSL_CWL_SPAWNER_SOCKET', 'NODE_OPTIONS', 'PARSL_CWL_LAUNCH_DEBUG']) delete env[name];
  return { ...env, ...extra };
}

/**
 * `argv` started with descriptors 0-2 only and the same pid (bash closes the others, then execs):
 * whatever the test runner inherited without close-on-exec would otherwise reach every process.
 */
const ONLY_STDIO = ['-c', 'for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$@"', 'only-stdio'];

/** A CommandLineTool running `sh -c script` (no `$(` or `${`: CWL would read them as expressions). */
function tool(dir: string, name: string, script: string, stdout = false): string {
  assert.doesNotMatch(script, /\$[({]/, 'a CWL parameter reference in a test script');
  const doc = path.join(dir, name);
  const out = stdout ? 'stdout: out.txt\noutputs:\n  out: stdout\n' : 'outputs: []\n';
  writeFileSync(doc, `cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [sh, -c, ${JSON.stringify(script)}]\ninputs: []\n${out}`);
  return doc;
}

/** Shell text: write this shell's pid to `file` atomically. */
const writePid = (file: string) => `echo $$ > ${file}.tmp && mv ${file}.tmp ${file}`;

interface Run {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** 'exit': the runner itself ended (its status and when). */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** 'close': every stdio pipe given to it reached EOF (when). */
  close: Promise<number>;
}

type Stdio = Array<'ignore' | 'pipe' | number>;

interface StartOptions {
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  stdio?: Stdio;
  /** stderr to this file instead of a pipe (stdio[2] is then ignored); stderr() reads it. */
  stderrFile?: string;
}

/** Every run of this file: their pipes are let go at the end (see the `after` below). */
const runs: ChildProcess[] = [];

/**
 * A spawner that wrongly outlives its runner holds the runner's stderr (and a broken build, its
 * stdout): its test fails, and the file must still end rather than wait on those pipes.
 */
after(() => {
  for (const child of runs) {
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    child.unref();
  }
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function start(file: string, args: string[], options: StartOptions = {}): Run {
  const stdio: Stdio = [...(options.stdio ?? ['ignore', 'pipe', 'pipe'])];
  const errFd = options.stderrFile === undefined ? undefined : openSync(options.stderrFile, 'w');
  if (errFd !== undefined) stdio[2] = errFd;
  const child = spawn('/bin/bash', [...ONLY_STDIO, file, ...args], {
    cwd: os.tmpdir(),
    env: options.env ?? runEnv(),
    detached: options.detached ?? false,
    stdio,
  });
  if (errFd !== undefined) closeSync(errFd);
  runs.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  assert.ok(child.pid !== undefined, 'the run did not start');
  return {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => (options.stderrFile === undefined ? err : readFileSync(options.stderrFile, 'utf8')),
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }))),
    close: new Promise((resolve) => child.once('close', () => resolve(Date.now()))),
  };
}

/** bin/parsl-cwl DOC with --quiet and a fresh --outdir. */
function runBin(doc: string, options: StartOptions = {}): Run {
  return start(BIN, ['--quiet', '--outdir', tempDir('pcwl-launch-out-'), doc], options);
}

/** The text of `file` once it exists; fails if `run` ends first or after `ms`. */
async function waitForFile(file: string, run: Run | undefined, ms = 10_000): Promise<string> {
  let ended = false;
  void run?.exit.then(() => (ended = true));
  const deadline = Date.now() + ms;
  for (;;) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
    if (ended) assert.fail(`the run ended before ${file} appeared:\n${run?.stderr() ?? ''}`);
    if (Date.now() > deadline) assert.fail(`${file} did not appear within ${ms} ms:\n${run?.stderr() ?? ''}`);
    await sleep(20);
  }
}

/** State, parent and process group of a live (or zombie) process, from /proc/PID/stat. */
function proc(pid: number): { state: string; ppid: number; pgrp: number; comm: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(')');
  const [state, ppid, pgrp] = stat.slice(close + 2).split(' ');
  return { state: state ?? '?', ppid: Number(ppid), pgrp: Number(pgrp), comm: stat.slice(stat.indexOf('(') + 1, close) };
}

/** Gone: no such process, or a zombie nobody has reaped yet (it runs no more). */
function gone(pid: number): boolean {
  const p = proc(pid);
  return p === undefined || p.state === 'Z' || p.state === 'X';
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!gone(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** For clean-up only: a process a failed test may leave behind. */
function killQuietly(pid: number | undefined, sig: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** The environment a process was started with (what /proc shows, not what it changed since). */
function startEnv(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** One spawner request (spawner.c, nativeBackend.ts `start`): stdin /dev/null, stderr = stdout. */
function request(id: string, cwd: string, stdout: string, argv: string[]): Buffer {
  const env = ['PATH=/usr/bin:/bin'];
  const body = Buffer.from(`${[id, 'x', cwd, '', stdout, '', String(env.length), ...env, ...argv].join('\0')}\0`);
  return Buffer.concat([Buffer.from(String(body.length).padStart(8, '0')), body]);
}

/**
 * Connect to the abstract socket `name` as another process would, send `req` and collect what comes
 * back until the spawner closes the connection (or 2 s pass: a spawner that serves strangers would
 * keep it open and answer).
 */
function asStranger(name: string, req: Buffer): Promise<{ connected: boolean; replies: string; error: string | undefined }> {
  return new Promise((resolve) => {
    const c = connect({ path: `\0${name}` });
    let connected = false;
    let replies = '';
    let error: string | undefined;
    const timer = setTimeout(() => c.destroy(), 2000);
    c.once('connect', () => {
      connected = true;
      c.write(req);
    });
    c.setEncoding('utf8').on('data', (d: string) => (replies += d));
    c.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    c.once('close', () => {
      clearTimeout(timer);
      resolve({ connected, replies, error });
    });
  });
}

/** Shell text: write the argv of process `pidVar`, space-joined, to `file`. */
const cmdlineScript = (pidVar: string, file: string) => `xargs -0 echo < /proc/${pidVar}/cmdline > ${file}`;
/** Shell text: set `variable` to the parent pid of process `pidVar`. */
const parentOf = (pidVar: string, variable: string) => `${variable}=\`sed -n "s/^PPid:[[:space:]]*//p" /proc/${pidVar}/status\``;

test('the build made the spawner, and it is protocol version 3', LIMIT, () => {
  const res = spawnSync(SPAWNER_BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, 'pcwl-spawner 3\n');
});

test('through bin/parsl-cwl the tool is started by the launch spawner, a child of the runner, which keeps the pid the caller started', LIMIT, async () => {
  const d = tempDir();
  const doc = tool(
    d,
    'who.cwl',
    [
      's=$PPID',
      `cat /proc/$s/comm > ${d}/spawner.comm`,
      cmdlineScript('$s', `${d}/spawner.cmdline`),
      parentOf('$s', 'r'),
      `echo $r > ${d}/runner.pid`,
      cmdlineScript('$r', `${d}/runner.cmdline`),
      // This shell's own descriptors, then its environment, on its stdout: `ls` lists them from its
      // own process (its directory descriptor is not among them), and without a redirection of its
      // own (dash keeps the shell's stdout on descriptor 10 while it runs a redirected command).
      'ls /proc/$$/fd',
      'echo ---',
      'env',
    ].join('; '),
    true,
  );
  const run = runBin(doc);
  const { code } = await run.exit;
  await run.close;
  assert.equal(code, 0, run.stderr());
  const read = (f: string) => readFileSync(path.join(d, f), 'utf8').trim();
  assert.equal(read('spawner.comm'), 'pcwl-spawner');
  assert.match(read('spawner.cmdline'), /\/pcwl-spawner --launch node \S*\/dist\/src\/cli\/launch\.cjs --quiet /);
  assert.equal(Number(read('runner.pid')), run.pid, "the spawner's parent is not the process the test started");
  // The runner is the `node` the spawner exec'd, running the launcher. Its argv says so on every
  // Node; its name in /proc/PID/comm does not: Node 24 names its main thread `MainThread`, Node 26
  // `node-MainThread`, and on Linux the main thread's name is the process's.
  assert.match(read('runner.cmdline'), /^node \S*\/dist\/src\/cli\/launch\.cjs --quiet /);
  const out = (JSON.parse(run.stdout()) as { out: { path: string } }).out;
  const [fds, env] = readFileSync(out.path, 'utf8').split('---\n') as [string, string];
  assert.deepEqual(fds.trim().split(/\s+/), ['0', '1', '2'], 'the tool got descriptors besides its stdin, stdout and stderr');
  assert.match(env, /^PATH=/m);
  assert.doesNotMatch(env, /PARSL_CWL_SPAWNER_SOCKET/);
});

test("the socket's name and descriptor do not reach the processes the runner starts", LIMIT, async () => {
  const d = tempDir();
  // Loaded before launch.cjs; at exit (after the run) it starts a process the ordinary way, with
  // the runner's environment and its inheritable descriptors, and records what that process saw.
  const probe = path.join(d, 'probe.cjs');
  writeFileSync(
    probe,
    `const { execFileSync } = require('node:child_process');
process.on('exit', () => {
  const seen = execFileSync('/bin/sh', ['-c', 'ls /proc/$$/fd; echo ---; env'], { encoding: 'utf8' });
  require('node:fs').writeFileSync(${JSON.stringify(path.join(d, 'seen'))}, seen);
});
`,
  );
  const doc = tool(d, 'parent.cwl', `${cmdlineScript('$PPID', `${d}/parent.cmdline`)}`);
  const run = runBin(doc, { env: runEnv({ NODE_OPTIONS: `--require ${probe}` }) });
  assert.equal((await run.exit).code, 0, run.stderr());
  assert.match(readFileSync(path.join(d, 'parent.cmdline'), 'utf8'), /pcwl-spawner --launch /, 'the run did not use the launch spawner');
  const [fds, env] = readFileSync(path.join(d, 'seen'), 'utf8').split('---\n') as [string, string];
  assert.deepEqual(fds.trim().split(/\s+/), ['0', '1', '2'], "a descriptor of the runner's leaked into its child");
  assert.match(env, /^NODE_OPTIONS=/m, 'the probe saw the environment');
  assert.doesNotMatch(env, /PARSL_CWL_SPAWNER_SOCKET/);
});

/**
 * A stand-in for the runner, run as `pcwl-spawner --launch node fake-runner.mjs CWD` (detached:
 * its own process group with the spawner, like an interactive run). It prints `name <socket>`,
 * then for each JSON argv line on its stdin sends one request (ids 1, 2, ...; stdout and stderr to
 * CWD/out-ID, a file the spawner creates when it takes the request) and prints the spawner's
 * replies as they come; `signal <NAME>` for each signal it gets (it handles INT, TERM, HUP and
 * QUIT and goes on); `closed` if the connection ends. The line `close` closes its end of the
 * connection at once. It exits when its stdin ends.
 */
const FAKE_RUNNER = `import { connect } from 'node:net';
import { createInterface } from 'node:readline';
const say = (text) => process.stdout.write(text + '\\n');
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(sig, () => say('signal ' + sig));
const name = process.env.PARSL_CWL_SPAWNER_SOCKET;
const cwd = process.argv[2];
say('name ' + name);
let conn;
let id = 0;
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'close') return conn.destroy();
    if (!conn) {
      conn = connect({ path: '\\0' + name });
      conn.on('error', (e) => say('error ' + e.code));
      conn.on('close', () => say('closed'));
      conn.setEncoding('utf8').on('data', (text) => process.stdout.write(text));
    }
    const env = ['PATH=/usr/bin:/bin'];
    id++;
    const body = Buffer.from([String(id), 'x', cwd, '', cwd + '/out-' + id, '', String(env.length), ...env, ...JSON.parse(line)].join('\\0') + '\\0');
    conn.write(Buffer.concat([Buffer.from(String(body.length).padStart(8, '0')), body]));
  })
  .on('close', () => process.exit(0));
`;

function startFakeRunner(d: string): Run & { send(argv: string[], thenClose?: boolean): void; line(re: RegExp, ms?: number): Promise<RegExpExecArray> } {
  const file = path.join(d, 'fake-runner.mjs');
  writeFileSync(file, FAKE_RUNNER);
  const run = start(SPAWNER_BIN, ['--launch', process.execPath, file, d], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  return {
    ...run,
    send: (argv, thenClose = false) => run.child.stdin?.write(`${JSON.stringify(argv)}\n${thenClose ? 'close\n' : ''}`),
    async line(re, ms = 5000) {
      const deadline = Date.now() + ms;
      const anchored = new RegExp(re.source, 'm');
      for (;;) {
        const m = anchored.exec(run.stdout());
        if (m) return m;
        if (Date.now() > deadline) assert.fail(`no line ${re} within ${ms} ms; the fake runner said:\n${run.stdout()}${run.stderr()}`);
        await sleep(10);
      }
    },
  };
}

/** The fake runner ends normally (its stdin closed), and the launch spawner with it. */
async function endsWithItsRunner(fake: ReturnType<typeof startFakeRunner>, spawnerPid: number): Promise<void> {
  fake.child.stdin?.end();
  assert.equal((await fake.exit).code, 0, fake.stdout() + fake.stderr());
  assert.ok(await goneWithin(spawnerPid, 3000), 'the spawner outlived its runner');
}

/**
 * A fake runner under `pcwl-spawner --launch`, connected, and its spawner's pid, learned from a
 * first command (whose parent the spawner is). Callers kill both in their `finally`.
 */
async function fakeRunnerWithSpawner(d: string): Promise<{ fake: ReturnType<typeof startFakeRunner>; spawnerPid: number }> {
  const fake = startFakeRunner(d);
  try {
    await fake.line(/^name /);
    fake.send(['/bin/sh', '-c', `echo $PPID > ${d}/spawner`]);
    await fake.line(/^E 1 0 \d+ \d+ \d+ [01]$/);
    return { fake, spawnerPid: Number(readFileSync(path.join(d, 'spawner'), 'utf8')) };
  } catch (err) {
    killQuietly(-fake.pid);
    throw err;
  }
}

test('a stranger who reads the name cannot use the spawner, neither while the run goes on nor before the runner connects', LIMIT, async () => {
  const d = tempDir();
  const doc = tool(d, 'wait.cwl', `${writePid(`${d}/pid`)}; while [ ! -e ${d}/go ]; do sleep 0.05; done`);
  const run = runBin(doc);
  try {
    await waitForFile(path.join(d, 'pid'), run);
    const name = startEnv(run.pid).get('PARSL_CWL_SPAWNER_SOCKET');
    assert.ok(name !== undefined, 'the runner was not given a socket name');
    assert.equal(name.length, 107, 'the name fills sun_path');
    const target = path.join(d, 'by-stranger');
    const r = await asStranger(name, request('1', d, target, ['/bin/sh', '-c', 'echo served']));
    assert.equal(r.replies, '', 'the spawner answered a stranger');
    // The one connection was taken by the runner, and the name went with the listening socket.
    assert.equal(r.error, 'ECONNREFUSED');
    writeFileSync(path.join(d, 'go'), '');
    assert.equal((await run.exit).code, 0, run.stderr());
    assert.ok(!existsSync(target), "the stranger's request was carried out");
  } finally {
    writeFileSync(path.join(d, 'go'), '');
    killQuietly(run.pid);
  }

  // Before the runner connects the socket listens: the stranger is accepted and closed unread
  // (SO_PEERCRED: not the spawner's parent), and the parent is served afterwards.
  const fake = startFakeRunner(d);
  let spawnerPid: number | undefined;
  try {
    const name = (await fake.line(/^name (\S+)$/))[1] ?? '';
    const target = path.join(d, 'by-early-stranger');
    const r = await asStranger(name, request('1', d, target, ['/bin/sh', '-c', 'echo served']));
    assert.equal(r.connected, true, `the socket was not listening (${r.error})`);
    assert.equal(r.replies, '', 'the spawner answered a stranger');
    fake.send(['/bin/sh', '-c', `echo $PPID > ${d}/served`]);
    await fake.line(/^E 1 0 \d+ \d+ \d+ [01]$/);
    assert.match(fake.stdout(), /^S 1 \d+$/m);
    assert.ok(!existsSync(target), "the stranger's request was carried out");
    spawnerPid = Number(readFileSync(path.join(d, 'served'), 'utf8'));
    assert.equal(proc(spawnerPid)?.ppid, fake.pid, 'the command was not started by the launch spawner');
    await endsWithItsRunner(fake, spawnerPid);
  } finally {
    killQuietly(-fake.pid);
    killQuietly(spawnerPid);
  }
});

test('the launch spawner ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to its group: it serves the runner until the runner is done', LIMIT, async () => {
  const d = tempDir();
  const { fake, spawnerPid } = await fakeRunnerWithSpawner(d);
  try {
    assert.equal(proc(spawnerPid)?.pgrp, fake.pid, "the spawner is not in its runner's process group");
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
      process.kill(-fake.pid, sig);
      await fake.line(new RegExp(`^signal ${sig}$`));
    }
    fake.send(['/bin/sh', '-c', 'exit 3']);
    await fake.line(/^E 2 3 \d+ \d+ \d+ [01]$/);
    assert.doesNotMatch(fake.stdout(), /^closed$/m);
    assert.ok(!gone(spawnerPid), 'the spawner died of a signal sent to the group');
    await endsWithItsRunner(fake, spawnerPid);
  } finally {
    killQuietly(-fake.pid);
    killQuietly(spawnerPid);
  }
});

test('the runner closes its connection just after a request: the spawner does not leave that command running unseen', LIMIT, async () => {
  const d = tempDir();
  const { fake, spawnerPid } = await fakeRunnerWithSpawner(d);
  try {
    // The request and the close arrive together: the command starts, and whether or not its S
    // went out, the runner (alive, so no parent-death signal) will never hear how it ends or stop it.
    fake.send(['/bin/sh', '-c', `sleep 0.3; echo survived > ${d}/survived`], true);
    await waitForFile(path.join(d, 'out-2'), fake); // the spawner took the request
    assert.ok(await goneWithin(spawnerPid, 3000), 'the spawner outlived its connection');
    await sleep(700);
    assert.ok(!existsSync(path.join(d, 'survived')), 'the command ran on, unknown to the runner');
    assert.ok(!gone(fake.pid), 'the runner was to stay alive throughout');
  } finally {
    killQuietly(-fake.pid);
    killQuietly(spawnerPid);
  }
});

test('the runner killed with SIGKILL: the running tool and the spawner are gone within seconds', LIMIT, async () => {
  const d = tempDir();
  const doc = tool(d, 'sleep.cwl', `${writePid(`${d}/pid`)} && exec sleep 60`);
  const run = runBin(doc);
  let toolPid: number | undefined;
  let spawnerPid: number | undefined;
  try {
    toolPid = Number(await waitForFile(path.join(d, 'pid'), run));
    const t = proc(toolPid) ?? assert.fail('the tool is not running');
    assert.equal(t.pgrp, toolPid, 'the tool does not lead its own process group');
    spawnerPid = t.ppid;
    assert.equal(proc(spawnerPid)?.comm, 'pcwl-spawner');
    assert.equal(proc(spawnerPid)?.ppid, run.pid);
    run.child.kill('SIGKILL');
    assert.equal((await run.exit).signal, 'SIGKILL');
    assert.ok(await goneWithin(toolPid, 3000), 'the tool outlived the runner');
    assert.ok(await goneWithin(spawnerPid, 3000), 'the spawner outlived the runner');
  } finally {
    killQuietly(run.pid);
    if (toolPid) killQuietly(-toolPid);
    killQuietly(spawnerPid);
  }
});

test("SIGTERM to the runner's process group: the runner exits 130 (interrupted), the tool is stopped, the spawner is gone", LIMIT, async () => {
  const d = tempDir();
  const doc = tool(d, 'sleep.cwl', `${writePid(`${d}/pid`)} && exec sleep 60`);
  const run = runBin(doc, { detached: true });
  let toolPid: number | undefined;
  let spawnerPid: number | undefined;
  try {
    toolPid = Number(await waitForFile(path.join(d, 'pid'), run));
    spawnerPid = proc(toolPid)?.ppid;
    assert.ok(spawnerPid !== undefined && proc(spawnerPid)?.comm === 'pcwl-spawner', 'the tool was not started by the spawner');
    assert.equal(proc(spawnerPid)?.pgrp, run.pid, "the spawner is not in the runner's process group");
    assert.notEqual(proc(toolPid)?.pgrp, run.pid, "the tool is in the runner's process group");
    process.kill(-run.pid, 'SIGTERM');
    const { code } = await run.exit;
    assert.equal(code, 130, run.stderr()); // ExitCode.Interrupted (src/cli/exitCodes.ts)
    assert.match(run.stderr(), /interrupted/);
    assert.ok(await goneWithin(toolPid, 2000), 'the tool is still running');
    assert.ok(await goneWithin(spawnerPid, 2000), 'the spawner outlived the runner');
  } finally {
    killQuietly(-run.pid);
    if (toolPid) killQuietly(-toolPid);
    killQuietly(spawnerPid);
  }
});

test("the runner's stdout reaches EOF when the runner exits, even while the spawner lives on", LIMIT, async () => {
  const d = tempDir();
  const doc = tool(d, 'sleep.cwl', `${writePid(`${d}/pid`)} && exec sleep 60`);
  // stderr to a file: the spawner keeps the runner's stderr for a dying message, by design.
  const run = runBin(doc, { stdio: ['ignore', 'pipe', 'ignore'], stderrFile: path.join(d, 'stderr') });
  let toolPid: number | undefined;
  let spawnerPid: number | undefined;
  try {
    toolPid = Number(await waitForFile(path.join(d, 'pid'), run));
    spawnerPid = proc(toolPid)?.ppid ?? assert.fail('the tool is not running');
    assert.equal(proc(spawnerPid)?.comm, 'pcwl-spawner');
    // A stopped spawner cannot exit: whatever it holds stays open until it is continued.
    process.kill(spawnerPid, 'SIGSTOP');
    run.child.kill('SIGKILL');
    const exited = await run.exit;
    const closed = await Promise.race([run.close, sleep(2000).then(() => undefined)]);
    assert.ok(closed !== undefined, "the runner's stdout stayed open after it exited: the spawner holds it");
    assert.ok(closed - exited.at < 1000, `'close' came ${closed - exited.at} ms after 'exit'`);
    assert.ok(!gone(spawnerPid), 'the spawner should still be there (stopped)');
    // Continued, it acts on its parent's death: the tool is killed and the spawner exits.
    process.kill(spawnerPid, 'SIGCONT');
    assert.ok(await goneWithin(toolPid, 3000), 'the tool outlived the runner');
    assert.ok(await goneWithin(spawnerPid, 3000), 'the spawner outlived the runner');
  } finally {
    killQuietly(spawnerPid, 'SIGCONT');
    killQuietly(run.pid);
    if (toolPid) killQuietly(-toolPid);
    killQuietly(spawnerPid);
  }
});

/** A tool that records its parent's argv and the parent's own parent. */
function parentTool(d: string): string {
  return tool(d, 'parent.cwl', ['s=$PPID', cmdlineScript('$s', `${d}/parent.cmdline`), parentOf('$s', 'r'), `echo $r > ${d}/grandparent`, 'echo ok'].join('; '), true);
}

test('without a launch spawner to reach, the runner starts its own spawner and the run succeeds', LIMIT, async () => {
  const d = tempDir();
  const doc = parentTool(d);
  // A name nobody listens on, of the launch spawner's form and length.
  const name = `parsl-cwl-spawner-0-${randomBytes(16).toString('hex')}`.padEnd(107, '.');
  const run = start(process.execPath, [LAUNCH, '--quiet', '--outdir', tempDir('pcwl-launch-out-'), doc], { env: runEnv({ PARSL_CWL_SPAWNER_SOCKET: name }) });
  assert.equal((await run.exit).code, 0, run.stderr());
  assert.equal(readFileSync(path.join(d, 'parent.cmdline'), 'utf8').trim(), SPAWNER_BIN, 'the tool was not started by a spawner the runner started');
  assert.equal(Number(readFileSync(path.join(d, 'grandparent'), 'utf8')), run.pid);
  const out = (JSON.parse(run.stdout()) as { out: { path: string } }).out;
  assert.equal(readFileSync(out.path, 'utf8'), 'ok\n');
});

test('a `node` that runs the real Node as its child (as Volta shims do): the spawner refuses it, and the run still succeeds', LIMIT, async () => {
  const d = tempDir();
  const doc = parentTool(d);
  const shims = path.join(d, 'shims');
  mkdirSync(shims);
  writeFileSync(path.join(shims, 'node'), `#!/bin/sh\n${JSON.stringify(process.execPath)} "$@"\nexit $?\n`, { mode: 0o755 });
  const run = runBin(doc, { env: runEnv({ PATH: `${shims}:${process.env.PATH ?? '/usr/bin:/bin'}` }) });
  assert.equal((await run.exit).code, 0, run.stderr());
  // The unused launch spawner (the shim's child) holds stderr until it ends with the shim.
  assert.ok(await Promise.race([run.close.then(() => true), sleep(3000).then(() => false)]), 'the unused launch spawner outlived the run');
  assert.equal(readFileSync(path.join(d, 'parent.cmdline'), 'utf8').trim(), SPAWNER_BIN, 'the tool was not started by a spawner the runner started');
  const runner = Number(readFileSync(path.join(d, 'grandparent'), 'utf8'));
  assert.notEqual(runner, run.pid, 'the shim did not run Node as a child');
});

test('with descriptors 0-2 closed the launch spawner still serves the run (its socket must not land on them)', LIMIT, async () => {
  const d = tempDir();
  const doc = parentTool(d);
  const outdir = tempDir('pcwl-launch-out-');
  const run = start('/bin/sh', ['-c', 'exec "$@" <&- >&-', 'sh', BIN, '--quiet', '--outdir', outdir, doc], { stdio: ['ignore', 'ignore', 'pipe'] });
  assert.equal((await run.exit).code, 0, run.stderr());
  assert.match(readFileSync(path.join(d, 'parent.cmdline'), 'utf8'), /pcwl-spawner --launch /, 'the launch spawner did not serve the run');
  assert.equal(readFileSync(path.join(outdir, 'out.txt'), 'utf8'), 'ok\n');
});

test('a spawner binary that cannot be exec\'d here (another architecture, a missing ELF interpreter): bin/parsl-cwl runs Node without it', LIMIT, async () => {
  const d = tempDir();
  const doc = parentTool(d);
  // An installed copy of the command whose dist/native came from elsewhere; the rest is this build.
  const inst = path.join(d, 'inst');
  mkdirSync(path.join(inst, 'bin'), { recursive: true });
  mkdirSync(path.join(inst, 'dist', 'native'), { recursive: true });
  writeFileSync(path.join(inst, 'bin', 'parsl-cwl'), readFileSync(BIN), { mode: 0o755 });
  for (const dir of ['src', 'bundle']) symlinkSync(path.join(ROOT, 'dist', dir), path.join(inst, 'dist', dir));
  const elf = Buffer.from(readFileSync(SPAWNER_BIN));
  assert.equal(elf.toString('latin1', 1, 4), 'ELF');
  elf.writeUInt16LE(elf.readUInt16LE(18) === 0xb7 ? 0x3e : 0xb7, 18); // e_machine: aarch64 <-> x86-64
  const broken = { 'another architecture': elf, 'a missing interpreter': Buffer.from('#!/nonexistent/ld.so\n') };
  for (const [what, bytes] of Object.entries(broken)) {
    writeFileSync(path.join(inst, 'dist', 'native', 'pcwl-spawner'), bytes, { mode: 0o755 });
    // As installed (#!/bin/sh: dash here), and under bash, /bin/sh on other systems.
    for (const shell of [undefined, '/bin/bash']) {
      const script = path.join(inst, 'bin', 'parsl-cwl');
      const args = ['--quiet', '--outdir', tempDir('pcwl-launch-out-'), doc];
      const run = shell === undefined ? start(script, args) : start(shell, [script, ...args]);
      const label = `${what}, ${shell ?? '#!/bin/sh'}`;
      assert.equal((await run.exit).code, 0, `${label}: ${run.stderr()}`);
      // Started without a launch spawner: by a spawner the runner started (or, without one, Node).
      assert.match(readFileSync(path.join(d, 'parent.cmdline'), 'utf8').trim(), /^(node \S*launch\.cjs |\S*pcwl-spawner$)/, `${label}: the tool was started by a launch spawner`);
      assert.equal((JSON.parse(run.stdout()) as { out: { size: number } }).out.size, 3, label);
    }
  }
});

test('pcwl-spawner --launch with a program that cannot run: the message, and exit 127 (not found) or 126', LIMIT, () => {
  const missing = spawnSync(SPAWNER_BIN, ['--launch', '/nonexistent/prog', 'arg'], { encoding: 'utf8', timeout: 5000 });
  assert.equal(missing.error, undefined, 'the spawner (holding stderr) did not go away');
  assert.equal(missing.status, 127);
  assert.equal(missing.stderr, 'parsl-cwl: cannot run /nonexistent/prog: No such file or directory\n');
  assert.equal(missing.stdout, '');
  const d = tempDir();
  const notExecutable = path.join(d, 'prog');
  writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
  const denied = spawnSync(SPAWNER_BIN, ['--launch', notExecutable], { encoding: 'utf8', timeout: 5000 });
  assert.equal(denied.error, undefined, 'the spawner (holding stderr) did not go away');
  assert.equal(denied.status, 126);
  assert.equal(denied.stderr, `parsl-cwl: cannot run ${notExecutable}: Permission denied\n`);
});

/** The children of process `pid` (all its threads'), by pid. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    kids.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return kids;
}

test('PARSL_CWL_SPAWNER=node: bin/parsl-cwl starts no launch spawner', LIMIT, async () => {
  const d = tempDir();
  const doc = tool(d, 'wait.cwl', `cat /proc/$PPID/comm > ${d}/parent.comm; ${writePid(`${d}/pid`)}; while [ ! -e ${d}/go ]; do sleep 0.05; done`);
  const run = runBin(doc, { env: runEnv({ PARSL_CWL_SPAWNER: 'node' }) });
  try {
    await waitForFile(path.join(d, 'pid'), run);
    // While the tool runs: what the runner has started (the tool itself).
    const children = childrenOf(run.pid).map((pid) => proc(pid)?.comm ?? 'gone');
    assert.ok(children.length >= 1, 'the runner has no child while its tool runs');
    assert.ok(!children.includes('pcwl-spawner'), `the runner's children: ${children.join(', ')}`);
    assert.notEqual(readFileSync(path.join(d, 'parent.comm'), 'utf8').trim(), 'pcwl-spawner');
    assert.equal(startEnv(run.pid).get('PARSL_CWL_SPAWNER_SOCKET'), undefined);
    writeFileSync(path.join(d, 'go'), '');
    assert.equal((await run.exit).code, 0, run.stderr());
  } finally {
    writeFileSync(path.join(d, 'go'), '');
    killQuietly(run.pid);
  }
});

// Without the ONLY_STDIO wrapper: the runner is given an inheritable pipe as descriptor 3, as a
// caller that reads a side channel would. The tools must not see it (the spawner closes
// everything above 2 in each command) and the launch spawner must not keep it open either.
test('a descriptor the caller passed to the runner reaches no tool, and the spawner does not hold it', LIMIT, async () => {
  const d = tempDir();
  const doc = tool(d, 'fds.cwl', 'ls /proc/$$/fd', true);
  const child = spawn(BIN, ['--quiet', '--outdir', tempDir('pcwl-launch-out-'), doc], { cwd: os.tmpdir(), env: runEnv(), stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  runs.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (err += t));
  const sideChannel = child.stdio[3] as NodeJS.ReadableStream;
  sideChannel.resume();
  const sideClosed = new Promise<number>((resolve) => sideChannel.once('close', () => resolve(Date.now())));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  const { code, at } = await exited;
  assert.equal(code, 0, err);
  const seen = readFileSync((JSON.parse(out) as { out: { path: string } }).out.path, 'utf8');
  assert.deepEqual(seen.trim().split(/\s+/), ['0', '1', '2'], 'the tool saw descriptors besides its stdin, stdout and stderr');
  const closedAt = await Promise.race([sideClosed, sleep(3000).then(() => Infinity)]);
  assert.ok(closedAt - at < 1000, 'the side channel stayed open after the runner exited (held by the spawner?)');
});
