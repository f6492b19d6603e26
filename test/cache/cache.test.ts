/**
 * The job cache through the installed command (`--cachedir`, docs/cache.md): resuming a failed
 * workflow, what makes a miss and what hits, two runs sharing one cache, and a runner killed
 * midway. Real runs of bin/parsl-cwl, real tools; the log file the steps append to says what ran.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, statSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync, constants } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mkdtemp, watch } from 'node:fs/promises';
import { BIN, EXAMPLES, runCli, tempDir } from '../cli/cliHarness.js';
import { appeared } from '../fileEvents.js';

const FIXTURES = fileURLToPath(new URL('../../../test/cache/fixtures/', import.meta.url));
const fx = (name: string): string => path.join(FIXTURES, name);

/** True once the marker `started` appears in `dir`; false when `signal` aborts first. */
async function markerAppears(dir: string, signal: AbortSignal): Promise<boolean> {
  try {
    for await (const ev of watch(dir, { signal })) if (ev.filename === 'started') return true;
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return false;
}

function ranSteps(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

/** Entries (key folders) under a cache folder, and the unfinished ones under tmp/. */
function entries(cache: string): { done: string[]; partial: string[] } {
  const base = path.join(cache, 'v1');
  const done: string[] = [];
  for (const shard of existsSync(base) ? readdirSync(base) : []) if (shard !== 'tmp') done.push(...readdirSync(path.join(base, shard)));
  return { done, partial: existsSync(path.join(base, 'tmp')) ? readdirSync(path.join(base, 'tmp')) : [] };
}

test('a failed workflow rerun with its cause fixed runs only the failed step and its dependants', async () => {
  const dir = await tempDir('pcwl-resume-');
  const cache = path.join(dir, 'cache');
  const log = path.join(dir, 'ran.log');
  const flag = path.join(dir, 'b-fails');
  writeFileSync(flag, '');
  const args = ['--cachedir', cache, '--outdir', path.join(dir, 'out'), fx('chain.cwl'), '--log', log, '--flagB', flag, '--never', path.join(dir, 'absent')];
  const first = await runCli(args, { cwd: dir });
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /step 'b' failed/);
  assert.match(first.stderr, /0 of \d finished step instances reused from the cache/);
  const firstRan = ranSteps(log);
  assert.ok(firstRan.includes('a') && firstRan.includes('b') && !firstRan.includes('c'), firstRan.join(','));

  rmSync(flag); // the cause, fixed
  const second = await runCli(args, { cwd: dir });
  assert.equal(second.code, 0, second.stderr);
  const secondRan = ranSteps(log).slice(firstRan.length);
  // a never runs again; b (it failed) and c (it never ran) do; side only if it had not finished.
  assert.ok(!secondRan.includes('a'), secondRan.join(','));
  assert.ok(secondRan.includes('b') && secondRan.includes('c'), secondRan.join(','));
  assert.equal(secondRan.includes('side'), !firstRan.includes('side'));
  const reused = firstRan.includes('side') ? 2 : 1;
  assert.match(second.stderr, new RegExp(`workflow: ${reused} of 4 finished step instances reused from the cache, ${4 - reused} run`));
  const out = JSON.parse(second.stdout) as { c: { path: string } };
  assert.equal(readFileSync(out.c.path, 'utf8'), 'a\nb\nc\n');

  // A third run reuses everything and runs nothing.
  const third = await runCli(args, { cwd: dir });
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(ranSteps(log).slice(firstRan.length + secondRan.length), []);
  assert.match(third.stderr, /workflow: 4 of 4 finished step instances reused from the cache, 0 run/);
});

test('a changed input file, tool document or EnvVarRequirement value misses; a renamed identical document hits', async () => {
  const dir = await tempDir('pcwl-keys-');
  const cache = path.join(dir, 'cache');
  const input = path.join(dir, 'in.txt');
  writeFileSync(input, 'one\n');
  const tool = path.join(dir, 'env.cwl');
  copyFileSync(fx('env.cwl'), tool);
  let n = 0;
  const run = async (doc: string, ...extra: string[]) => {
    const options = extra.filter((a) => a === '--no-cache');
    const inputs = extra.filter((a) => a !== '--no-cache');
    const r = await runCli(['--cachedir', cache, ...options, '--outdir', path.join(dir, `out${n++}`), doc, '--file', input, ...inputs], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync((JSON.parse(r.stdout) as { out: { path: string } }).out.path, 'utf8');
    return { reused: /outputs reused from the cache/.test(r.stderr), text };
  };
  assert.equal((await run(tool)).reused, false);
  const again = await run(tool);
  assert.equal(again.reused, true);
  assert.match(again.text, /^GREETING=hello$/m);

  writeFileSync(input, 'two\n');
  const changedInput = await run(tool);
  assert.equal(changedInput.reused, false);
  assert.match(changedInput.text, /^two$/m);

  const greeted = await run(tool, '--greeting', 'bonjour');
  assert.equal(greeted.reused, false, 'another EnvVarRequirement value');
  assert.match(greeted.text, /^GREETING=bonjour$/m);
  assert.equal((await run(tool, '--greeting', 'bonjour')).reused, true);

  const renamed = path.join(dir, 'renamed-copy.cwl');
  copyFileSync(tool, renamed);
  assert.equal((await run(renamed)).reused, true, 'the same document under another name');

  writeFileSync(tool, readFileSync(tool, 'utf8').replace('env | sort;', 'env | sort; echo edited;'));
  const edited = await run(tool);
  assert.equal(edited.reused, false, 'an edited tool document');
  assert.match(edited.text, /^edited$/m);

  // --no-cache and WorkReuse enableReuse: false bypass the cache.
  assert.equal((await run(tool, '--no-cache')).reused, false);
  const noReuse = path.join(dir, 'no-reuse.cwl');
  writeFileSync(noReuse, readFileSync(tool, 'utf8').replace('requirements:', 'requirements:\n  WorkReuse: {enableReuse: false}'));
  assert.equal((await run(noReuse)).reused, false);
  assert.equal((await run(noReuse)).reused, false);
});

test('two runs sharing one cache both succeed and leave one whole entry per job', async () => {
  const dir = await tempDir('pcwl-shared-');
  const cache = path.join(dir, 'cache');
  const words = Array.from({ length: 12 }, (_, i) => `w${i}`);
  const args = (out: string) => ['--quiet', '--cachedir', cache, '--outdir', path.join(dir, out), fx('scatter.cwl'), ...words.flatMap((w) => ['--words', w])];
  const [a, b] = await Promise.all([runCli(args('a'), { cwd: dir }), runCli(args('b'), { cwd: dir })]);
  for (const r of [a, b]) {
    assert.equal(r.code, 0, r.stderr);
    const outs = (JSON.parse(r.stdout) as { outs: { path: string }[] }).outs;
    assert.deepEqual(
      outs.map((o) => readFileSync(o.path, 'utf8')),
      words.map((w) => `${w}\n`),
    );
  }
  const { done, partial } = entries(cache);
  assert.equal(done.length, words.length);
  assert.deepEqual(partial, []);
  const third = await runCli(['--cachedir', cache, '--outdir', path.join(dir, 'c'), fx('scatter.cwl'), ...words.flatMap((w) => ['--words', w])], { cwd: dir });
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /workflow: 12 of 12 finished step instances reused from the cache, 0 run/);
  // Reused outputs reach --outdir as copies: editing them cannot touch the entries.
  for (const out of (JSON.parse(third.stdout) as { outs: { path: string }[] }).outs) assert.equal(statSync(out.path).nlink, 1);
});

test('a runner killed with SIGKILL leaves no entry a later run trusts; unfinished and damaged entries are not read', async () => {
  const dir = await tempDir('pcwl-killed-');
  const cache = path.join(dir, 'cache');
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const marker = path.join(dir, 'started');
  const args = ['--cachedir', cache, '--outdir', path.join(dir, 'out'), fx('blocked.cwl'), '--marker', marker, '--fifo', fifo];
  const started = appeared(dir, 'started');
  const child = spawn(BIN, args, { cwd: dir, stdio: 'ignore' });
  await started;
  // The job's output is written and the runner is in the middle of the job: kill it outright.
  child.kill('SIGKILL');
  await once(child, 'exit');
  // The tool may outlive its runner: end it.
  try {
    process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL');
  } catch {
    // already gone
  }
  assert.deepEqual(entries(cache).done, []);

  // What a runner killed while storing leaves: a folder under tmp/ with part of an entry.
  const run = async () => {
    rmSync(marker, { force: true });
    const watching = new AbortController();
    const started2 = markerAppears(dir, watching.signal);
    const child2 = spawn(BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child2.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child2, 'exit');
    const ran = await Promise.race([started2, exited.then(() => false)]);
    watching.abort();
    if (ran) {
      const fd = openSync(fifo, constants.O_WRONLY);
      writeFileSync(fd, 'go\n');
      closeSync(fd);
    }
    const [code] = (await exited) as [number];
    assert.equal(code, 0, stderr);
    return { ran, stderr };
  };
  const first = await run();
  assert.equal(first.ran, true);
  const { done } = entries(cache);
  assert.equal(done.length, 1);
  const key = done[0] as string;
  const entryDir = path.join(cache, 'v1', key.slice(0, 2), key);
  mkdirSync(path.join(cache, 'v1', 'tmp', `${key}-999999-dead`, 'files'), { recursive: true });
  writeFileSync(path.join(cache, 'v1', 'tmp', `${key}-999999-dead`, 'files', 'out.txt'), 'do');
  assert.equal((await run()).ran, false, 'the whole entry is reused');

  // An entry whose stored file changed after it was stored (an output edited in place) is not trusted.
  writeFileSync(path.join(entryDir, 'files', 'out.txt'), 'tampered\n');
  const afterTamper = await run();
  assert.equal(afterTamper.ran, true);
  assert.equal(readFileSync(path.join(entryDir, 'files', 'out.txt'), 'utf8'), 'done\n');
  // An entry folder without its entry.json is not one.
  rmSync(path.join(entryDir, 'entry.json'));
  assert.equal((await run()).ran, true);
  assert.equal((await run()).ran, false);

  // `cache list` shows the entry and the unfinished folder; prune removes the unfinished one.
  const list = await runCli(['cache', 'list', '--cachedir', cache], { cwd: dir });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /1 entries, 5 B in .*; 1 unfinished/);
  assert.match(list.stdout, /blocked\.cwl/);
  const prune = await runCli(['cache', 'prune', '--older-than', '0s', '--cachedir', cache], { cwd: dir });
  assert.equal(prune.code, 0, prune.stderr);
  assert.match(prune.stdout, /removed 1 entries/);
  assert.deepEqual(entries(cache), { done: [], partial: [] });
  const clear = await runCli(['cache', 'clear', '--cachedir', cache], { cwd: dir });
  assert.equal(clear.code, 0, clear.stderr);
  const bad = await runCli(['cache', 'prune', '--older-than', 'soon', '--cachedir', cache], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /PCWL_USAGE.*--older-than needs a duration/);
});

test('--cachedir on a file is refused in one line before anything runs', async () => {
  const dir = await tempDir('pcwl-cachefile-');
  const file = path.join(dir, 'not-a-folder');
  writeFileSync(file, '');
  const r = await runCli(['--cachedir', file, fx('env.cwl')], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^parsl-cwl: error: \[PCWL_CACHE_UNUSABLE\] cache folder .*not-a-folder: a file is in the way; give --cachedir/m);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('on HTEX workers the same cache is used: a job stored by a local run is reused by a run on a pool', async () => {
  const dir = await tempDir('pcwl-htexcache-');
  const cache = path.join(dir, 'cache');
  const log = path.join(dir, 'ran.log');
  const args = (out: string) => ['--cachedir', cache, '--outdir', path.join(dir, out), fx('step.cwl'), '--tag', 't', '--log', log, '--flag', path.join(dir, 'absent')];
  const local = await runCli(args('local'), { cwd: dir });
  assert.equal(local.code, 0, local.stderr);
  const onPool = await runCli(['--config', path.join(EXAMPLES, 'configs', 'htex-local.yml'), ...args('pool')], { cwd: dir });
  assert.equal(onPool.code, 0, onPool.stderr);
  assert.match(onPool.stderr, /outputs reused from the cache/);
  assert.deepEqual(ranSteps(log), ['t']);
  assert.equal(readFileSync((JSON.parse(onPool.stdout) as { out: { path: string } }).out.path, 'utf8'), 't\n');
});

test('a reused Directory output (an empty folder in it) and secondaryFiles give the same output object and files', async () => {
  const dir = await tempDir('pcwl-dircache-');
  const cache = path.join(dir, 'cache');
  const run = (out: string) => runCli(['--cachedir', cache, '--outdir', path.join(dir, out), fx('dir.cwl')], { cwd: dir });
  const first = await run('one');
  const second = await run('two');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /outputs reused from the cache/);
  assert.equal(second.stdout.replaceAll(path.join(dir, 'two'), 'OUT'), first.stdout.replaceAll(path.join(dir, 'one'), 'OUT'));
  for (const f of ['d/a.txt', 'd/sub/b.txt', 's.txt', 's.txt.idx']) assert.equal(readFileSync(path.join(dir, 'two', f), 'utf8'), readFileSync(path.join(dir, 'one', f), 'utf8'));
  assert.ok(statSync(path.join(dir, 'two', 'd', 'empty')).isDirectory());
});

test('a runner SIGKILLed while it copies an entry into the cache leaves nothing a later run trusts', { skip: existsSync('/dev/shm') ? false : 'needs /dev/shm (a second filesystem, so the entry is copied, not linked)' }, async () => {
  const dir = await tempDir('pcwl-midstore-');
  // The cache on another filesystem than the job folders: storing copies the 48 MB output.
  const cache = await mkdtemp(path.join('/dev/shm', 'pcwl-midstore-cache-'));
  try {
    const tmp = path.join(cache, 'v1', 'tmp');
    mkdirSync(tmp, { recursive: true });
    const args = ['--cachedir', cache, '--tmpdir-prefix', path.join(dir, 'run-'), '--outdir', path.join(dir, 'out'), fx('big.cwl'), '--mb', '48'];
    const child = spawn(BIN, args, { cwd: dir, stdio: 'ignore' });
    const watching = new AbortController();
    const exited = once(child, 'exit');
    // The output's copy into the entry has begun: kill the runner there and then.
    const storing = (async () => {
      try {
        for await (const ev of watch(tmp, { recursive: true, signal: watching.signal })) if (ev.filename?.endsWith('big.bin')) return true;
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
      return false;
    })();
    const caught = await Promise.race([storing, exited.then(() => false)]);
    if (caught) child.kill('SIGKILL');
    await exited;
    watching.abort();
    // Killed during the copy (or between it and the rename): at most a folder under tmp/. Killed
    // later: a complete entry. Never a visible entry with part of the file.
    for (const key of entries(cache).done) assert.equal(statSync(path.join(cache, 'v1', key.slice(0, 2), key, 'files', 'big.bin')).size, 48 * 1048576);
    // Whatever the kill interrupted, a later run gets the whole output: from a complete entry or by running.
    const later = await runCli(args.map((a) => (a === path.join(dir, 'out') ? path.join(dir, 'out2') : a)), { cwd: dir });
    assert.equal(later.code, 0, later.stderr);
    assert.equal(statSync((JSON.parse(later.stdout) as { out: { path: string } }).out.path).size, 48 * 1048576);
    const { done } = entries(cache);
    assert.equal(done.length, 1);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
