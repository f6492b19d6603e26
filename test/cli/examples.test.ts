import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir, EXAMPLES } from './cliHarness.js';

interface FileOut {
  class: string;
  location: string;
  path: string;
  basename: string;
  size: number;
  checksum: string;
  secondaryFiles?: FileOut[];
}

/** Run an example with its job file into a fresh --outdir; returns the output object and outdir. */
async function runExample(name: string): Promise<{ out: Record<string, unknown>; outdir: string; stderr: string }> {
  const outdir = await tempDir();
  const r = await runCli(['--quiet', '--outdir', outdir, `${name}.cwl`, `${name}-job.yml`]);
  assert.equal(r.code, 0, `${name} failed: ${r.stderr}`);
  return { out: JSON.parse(r.stdout) as Record<string, unknown>, outdir, stderr: r.stderr };
}

async function text(f: unknown): Promise<string> {
  const file = f as FileOut;
  assert.equal(file.class, 'File');
  assert.equal(fileURLToPath(file.location), file.path);
  return readFile(file.path, 'utf8');
}

test('echo: the message lands in --outdir with location, size and sha1 checksum', async () => {
  const { out, outdir, stderr } = await runExample('echo');
  const f = out.out as FileOut;
  assert.equal(path.dirname(f.path), outdir);
  assert.equal(await text(f), 'Hello from parsl-cwl\n');
  assert.equal(f.size, 21);
  assert.equal(f.checksum, 'sha1$a6fc19dc35795f723353b403e7417445b5a08634');
  assert.equal(stderr, '', '--quiet prints nothing on success');
  assert.deepEqual(await readdir(outdir), ['echo-out.txt'], 'only final outputs go to --outdir');
});

test('find: files of a Directory input matching a pattern', async () => {
  const { out } = await runExample('find');
  assert.equal(await text(out.found), './notes.txt\n./poem.txt\n./sub/nested.txt\n');
});

test('wc: stdin from a File and an int output from outputEval', async () => {
  const { out } = await runExample('wc');
  assert.equal(out.lines, 4);
  assert.equal((await text(out.report)).trim(), '4');
});

test('cat: an array of Files, in order', async () => {
  const { out } = await runExample('cat');
  const poem = await readFile(path.join(EXAMPLES, 'data/poem.txt'), 'utf8');
  assert.equal(await text(out.joined), `${poem}notes: four lines above\n`);
});

test('touch: a glob expression collecting several Files', async () => {
  const { out } = await runExample('touch');
  const created = out.created as FileOut[];
  assert.deepEqual(created.map((f) => f.basename), ['a.txt', 'b.txt', 'c.log']);
  assert.ok(created.every((f) => f.size === 0 && f.checksum === 'sha1$da39a3ee5e6b4b0d3255bfef95601890afd80709'));
});

test('record: fields bound by their own positions and prefixes', async () => {
  const { out } = await runExample('record');
  assert.equal(out.line, '--age 36 --name Ada');
});

test('arrays: itemSeparator and per-item prefixes', async () => {
  const { out } = await runExample('arrays');
  assert.equal(await text(out.line), '--numbers 1,2,3 -w alpha -w beta\n');
});

test('secondary: the index travels beside its data file, in and out', async () => {
  const { out, outdir } = await runExample('secondary');
  const copy = out.copy as FileOut;
  assert.equal(copy.path, path.join(outdir, 'table.csv'));
  assert.equal(copy.secondaryFiles?.[0]?.path, path.join(outdir, 'table.csv.idx'));
  assert.equal(await text(copy.secondaryFiles?.[0]), '1 9\n2 15\n');
  assert.equal(await text(out.listing), 'table.csv.idx\n');
});

test('initialworkdir: a file from a template and an input under a new name', async () => {
  const { out } = await runExample('initialworkdir');
  assert.equal(await text(out.config), 'greeting=hello\nsource=notes.txt\n');
  assert.equal(await text(out.combined), 'greeting=hello\nsource=notes.txt\nnotes: four lines above\n');
});

test('expressions: expressionLib, ${} bodies and runtime.cores rounded up', async () => {
  const { out } = await runExample('expressions');
  assert.equal(out.text, 'HELLO! 10 2');
});

test('sum: an ExpressionTool with a File literal output written into --outdir', async () => {
  const { out, outdir } = await runExample('sum');
  assert.equal(out.total, 42);
  const report = out.report as FileOut;
  assert.equal(path.dirname(report.path), outdir);
  assert.equal(await text(report), 'total=42\n');
});

test('inputs on the command line instead of a job file', async () => {
  const outdir = await tempDir();
  const r = await runCli(['--quiet', '--outdir', outdir, 'echo.cwl', '--message', 'from the command line']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await text((JSON.parse(r.stdout) as { out: FileOut }).out), 'from the command line\n');
});

test('a second run into the same --outdir does not overwrite: echo-out.txt then echo-out_2.txt', async () => {
  const outdir = await tempDir();
  const first = await runCli(['--quiet', '--outdir', outdir, 'echo.cwl', '--message', 'one']);
  const second = await runCli(['--quiet', '--outdir', outdir, 'echo.cwl', '--message', 'two']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.code, 0, second.stderr);
  const f2 = (JSON.parse(second.stdout) as { out: FileOut }).out;
  assert.equal(f2.basename, 'echo-out_2.txt');
  assert.equal(await text(f2), 'two\n');
  assert.equal(await readFile(path.join(outdir, 'echo-out.txt'), 'utf8'), 'one\n');
});

test('--validate, --version and --help exit 0 and print to stdout', async () => {
  const v = await runCli(['--validate', 'wc.cwl']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /wc\.cwl is valid CWL/);
  const version = await runCli(['--version']);
  assert.match(version.stdout, /^parsl-cwl \d+\.\d+\.\d+/);
  const help = await runCli(['--help']);
  assert.match(help.stdout, /--outdir/);
  assert.match(help.stdout, /exit codes/);
});

test('harmless cwltool flags are accepted', async () => {
  const outdir = await tempDir();
  const r = await runCli(['--no-container', '--parallel', '--enable-ext', '--quiet', '--outdir', outdir, 'echo.cwl', 'echo-job.yml']);
  assert.equal(r.code, 0, r.stderr);
});

test('a second run of an unchanged document is loaded from the document cache', async () => {
  const outdir = await tempDir();
  const args = ['--quiet', '--debug', '--outdir', outdir, 'cat.cwl', 'cat-job.yml'];
  await runCli(args);
  const second = await runCli(args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /cat\.cwl: loaded from the document cache/);
  assert.match(second.stderr, /cat-job\.yml: read from the document cache/);
  const noCache = await runCli(['--no-doc-cache', ...args]);
  assert.doesNotMatch(noCache.stderr, /document cache/);
});
