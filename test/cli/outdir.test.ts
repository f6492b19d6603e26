/**
 * Outputs are never lost: an --outdir that cannot take them is found before the tool runs, and
 * when the move fails after the run (a full disk) the run folder is kept and named. Real runs of
 * the CLI; the unwritable folders are real too (tests run as root here, for whom permission bits
 * do not count): below a regular file, an immutable folder (chattr +i) and read-only or tiny
 * tmpfs mounts. Those needing chattr or mount are skipped, saying why, where they cannot work.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fixture, runCli, type CliResult } from './cliHarness.js';

// Touches a marker (the proof that the tool ran) and writes SIZE bytes to its output.
const TOOL = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: sh
arguments: [-c, 'touch "$0" && head -c "$1" /dev/zero']
inputs:
  marker: {type: string, inputBinding: {position: 1}}
  size: {type: int, inputBinding: {position: 2}}
stdout: big.bin
outputs:
  out: stdout
`;

const WORKFLOW = `cwlVersion: v1.2
class: Workflow
inputs:
  marker: string
  size: int
outputs:
  out: {type: File, outputSource: make/out}
steps:
  make:
    run: tool.cwl
    in: {marker: marker, size: size}
    out: [out]
`;

interface Run extends CliResult {
  dir: string;
  marker: string;
  tmpFolder: string;
}

async function run(outdir: (dir: string) => string, size = 10, doc = 'tool.cwl'): Promise<Run> {
  const dir = await fixture({ 'tool.cwl': TOOL, 'wf.cwl': WORKFLOW });
  const tmpFolder = path.join(dir, 'tmp');
  await mkdir(tmpFolder);
  const marker = path.join(dir, 'tool-ran');
  const r = await runCli(['--tmpdir-prefix', path.join(tmpFolder, 'run-'), '--outdir', outdir(dir), doc, '--marker', marker, '--size', String(size)], { cwd: dir });
  return { ...r, dir, marker, tmpFolder };
}

/** One coded line naming the output folder; the tool did not run and nothing was left behind. */
function refusedBeforeRun(r: Run, outdir: string, reason: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] as string, new RegExp(`^parsl-cwl: error: \\[PCWL_OUTPUTS_NOT_PLACED\\] output folder ${outdir}: `));
  assert.match(lines[0] as string, reason);
  assert.equal(existsSync(r.marker), false, 'the tool did not run');
  assert.deepEqual(readdirSync(r.tmpFolder), [], 'no run folder made');
}

function sh(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Mount a tmpfs with `options` on a new folder of `dir`, unmounted after the test; undefined if mounting is not allowed here. */
async function tmpfs(t: TestContext, dir: string, options: string): Promise<string | undefined> {
  const mnt = path.join(dir, 'mnt');
  await mkdir(mnt);
  if (!sh('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt])) return undefined;
  t.after(() => void sh('umount', [mnt]));
  return mnt;
}

test('an --outdir that is a file is refused before the tool runs, naming the path', async () => {
  const r = await run((dir) => path.join(dir, 'tool.cwl'));
  refusedBeforeRun(r, path.join(r.dir, 'tool.cwl'), /is a file, not a folder/);
});

test('an --outdir below a file is refused, naming the file in the way', async () => {
  const r = await run((dir) => path.join(dir, 'tool.cwl', 'out'));
  refusedBeforeRun(r, path.join(r.dir, 'tool.cwl', 'out'), new RegExp(`${path.join(r.dir, 'tool.cwl')} is a file, so no folder can be made below it`));
});

test('an immutable --outdir (chattr +i) is refused before the tool runs, also for root', async (t) => {
  const dir = await fixture({});
  const out = path.join(dir, 'out');
  await mkdir(out);
  if (!sh('chattr', ['+i', out])) return t.skip('chattr +i is not available here (not root, or the file system has no such flag)');
  t.after(() => void sh('chattr', ['-i', out]));
  const r = await run(() => out);
  refusedBeforeRun(r, out, /not writable \(EPERM\)/);
  const below = await run(() => path.join(out, 'sub'));
  refusedBeforeRun(below, path.join(out, 'sub'), new RegExp(`cannot be made in ${out}: not writable`));
});

test('an --outdir on a read-only file system is refused before the tool runs', async (t) => {
  const dir = await fixture({});
  const mnt = await tmpfs(t, dir, 'ro');
  if (mnt === undefined) return t.skip('mounting a tmpfs is not allowed here');
  const r = await run(() => mnt);
  refusedBeforeRun(r, mnt, /not writable \(EROFS\)/);
});

for (const doc of ['tool.cwl', 'wf.cwl']) {
  test(`${doc}: outputs that do not fit in --outdir stay in the kept run folder, which the error names`, async (t) => {
    const dir = await fixture({});
    const mnt = await tmpfs(t, dir, 'size=16k');
    if (mnt === undefined) return t.skip('mounting a tmpfs is not allowed here');
    const size = 200_000;
    const r = await run(() => mnt, size, doc);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(existsSync(r.marker), true, 'the tool ran');
    const m = /^parsl-cwl: error: \[PCWL_OUTPUTS_NOT_PLACED\] output folder (\S+): output 'out' cannot be moved there: no space left \(ENOSPC\).*; the outputs not moved are kept in (\S+)$/m.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m[1], mnt);
    const kept = m[2] as string;
    assert.equal(path.dirname(kept), r.tmpFolder);
    const found = spawnSync('find', [kept, '-name', 'big.bin'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    assert.equal(found.length, 1, `big.bin in ${kept}`);
    assert.equal(statSync(found[0] as string).size, size, 'the whole output is kept');
  });
}

test('a --tmpdir-prefix below a file is a coded error, not an internal one', async () => {
  const dir = await fixture({ 'tool.cwl': TOOL, plain: '' });
  const r = await runCli(['--tmpdir-prefix', path.join(dir, 'plain', 'run-'), 'tool.cwl', '--marker', path.join(dir, 'm'), '--size', '1'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^parsl-cwl: error: \[PCWL_TMPDIR_UNUSABLE\] --tmpdir-prefix \S+plain\/run-: cannot make the run's folder there: a file is in the way/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
