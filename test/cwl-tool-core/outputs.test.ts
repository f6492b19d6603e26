import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectOutputs, runExpressionTool } from '../../src/cwl/outputs/index.js';
import { ExpressionEvaluator } from '../../src/cwl/expressions/index.js';
import { OutputInvalidError, OutputMissingError, ExpressionError } from '../../src/cwl/errors.js';
import { ErrorCode } from '../../src/util/errors.js';
import type { CommandLineTool, ExpressionTool, OutputParameter, CwlFile, CwlDirectory } from '../../src/cwl/model.js';

const refs = new ExpressionEvaluator({ javascript: false });
const js = new ExpressionEvaluator({ javascript: true });
const sha1 = (s: string) => `sha1$${createHash('sha1').update(s).digest('hex')}`;

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'pcwl-outputs-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh output directory holding `files` (name → contents; names ending in / are folders). */
async function outdir(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, `out${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, contents] of Object.entries(files)) {
    const p = path.join(dir, name);
    if (name.endsWith('/')) await mkdir(p, { recursive: true });
    else {
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, contents);
    }
  }
  return dir;
}

function tool(outputs: OutputParameter[], extra: Partial<CommandLineTool> = {}): CommandLineTool {
  return { class: 'CommandLineTool', id: 'file:///t.cwl', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///', inputs: [], outputs, ...extra };
}
function collect(t: CommandLineTool, dir: string, evaluator = refs, inputs: Record<string, unknown> = {}) {
  return collectOutputs(t, inputs, { outdir: dir, tmpdir: '/tmp', cores: 1, exitCode: 0 }, evaluator, { jobName: 'job' });
}

describe('glob (CommandOutputBinding.glob)', () => {
  test('a File output gets location, path, basename, nameroot, nameext, size and sha1 checksum', async () => {
    const dir = await outdir({ 'out.tar.gz': 'hello\n' });
    const out = await collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: 'out.tar.gz' } }]), dir);
    const f = out.f as CwlFile;
    assert.equal(f.class, 'File');
    assert.equal(f.path, path.join(dir, 'out.tar.gz'));
    assert.equal(f.location, pathToFileURL(path.join(dir, 'out.tar.gz')).href);
    assert.equal(f.basename, 'out.tar.gz');
    assert.equal(f.nameroot, 'out.tar');
    assert.equal(f.nameext, '.gz');
    assert.equal(f.size, 6);
    assert.equal(f.checksum, sha1('hello\n'));
  });

  test('patterns: *, ?, [classes], arrays of patterns and expressions; results sorted; dotfiles only when asked', async () => {
    const dir = await outdir({ 'b.txt': '', 'a.txt': '', 'c.log': '', '.hidden.txt': '', 'x1': '', 'x2': '', 'a_dir/': '', 'c_dir/': '' });
    const t = tool([
      { id: 'txt', type: { type: 'array', items: 'File' }, outputBinding: { glob: '*.txt' } },
      { id: 'multi', type: { type: 'array', items: 'File' }, outputBinding: { glob: ['c.*', 'x?'] } },
      { id: 'dirs', type: { type: 'array', items: 'Directory' }, outputBinding: { glob: '[a,c]_dir' } },
      { id: 'expr', type: { type: 'array', items: 'File' }, outputBinding: { glob: '$(["a.txt", ".hid*"])' } },
    ]);
    const out = await collect(t, dir, js);
    const names = (v: unknown) => (v as Array<CwlFile | CwlDirectory>).map((f) => f.basename);
    assert.deepEqual(names(out.txt), ['a.txt', 'b.txt']);
    assert.deepEqual(names(out.multi), ['c.log', 'x1', 'x2']);
    assert.deepEqual(names(out.dirs), ['a_dir', 'c_dir']);
    assert.deepEqual(names(out.expr), ['a.txt', '.hidden.txt']);
  });

  test('a glob reaching outside the output directory is OutputInvalidError', async () => {
    const dir = await outdir({ 'a.txt': '' });
    for (const glob of ['../*', '/etc/passwd']) {
      await assert.rejects(collect(tool([{ id: 'f', type: ['null', 'File'], outputBinding: { glob } }]), dir), (e: unknown) => e instanceof OutputInvalidError && e.code === ErrorCode.OutputInvalid);
    }
    const out = await collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: `${dir}/a.txt` } }]), dir);
    assert.equal((out.f as CwlFile).basename, 'a.txt', 'an absolute glob inside the output directory is fine');
  });

  test('a required output that matched nothing is OutputMissingError; an optional one is null', async () => {
    const dir = await outdir({});
    await assert.rejects(collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: 'nope.txt' } }]), dir), (e: unknown) => e instanceof OutputMissingError && e.code === ErrorCode.OutputMissing && /'f'/.test(e.message) && /glob 'nope.txt' matched nothing/.test(e.message));
    const out = await collect(tool([{ id: 'f', type: ['null', 'File'], outputBinding: { glob: 'nope.txt' } }]), dir);
    assert.equal(out.f, null);
  });

  test('a File output matching a directory (or several paths) is OutputInvalidError (capture_files)', async () => {
    const dir = await outdir({ 'd/': '', 'a.txt': '', 'b.txt': '' });
    await assert.rejects(collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: 'd' } }]), dir), OutputInvalidError);
    await assert.rejects(collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: '*.txt' } }]), dir), OutputInvalidError);
    await assert.rejects(collect(tool([{ id: 'f', type: 'Directory', outputBinding: { glob: 'a.txt' } }]), dir), OutputInvalidError);
  });

  test('Directory outputs are listed in full with checksums; "." is the output directory', async () => {
    const dir = await outdir({ 'sub/inner/deep.txt': 'deep', 'top.txt': 'top' });
    const out = await collect(tool([{ id: 'd', type: 'Directory', outputBinding: { glob: '.' } }]), dir);
    const d = out.d as CwlDirectory;
    assert.equal(d.path, dir);
    assert.deepEqual(d.listing?.map((e) => e.basename), ['sub', 'top.txt']);
    const inner = (d.listing?.[0] as CwlDirectory).listing?.[0] as CwlDirectory;
    assert.equal((inner.listing?.[0] as CwlFile).checksum, sha1('deep'));
  });

  test('loadListing on the binding limits the listing (shallow_listing, no_listing)', async () => {
    const dir = await outdir({ 'sub/x.txt': 'x' });
    const out = await collect(
      tool([
        { id: 'shallow', type: 'Directory', outputBinding: { glob: '.', loadListing: 'shallow_listing' } },
        { id: 'none', type: 'Directory', outputBinding: { glob: '.', loadListing: 'no_listing' } },
      ]),
      dir,
    );
    assert.equal(((out.shallow as CwlDirectory).listing?.[0] as CwlDirectory).listing, undefined);
    assert.equal((out.none as CwlDirectory).listing, undefined);
  });
});

describe('loadContents and outputEval', () => {
  test('outputEval sees the matched files as self, with contents, and runtime.exitCode', async () => {
    const dir = await outdir({ 'n.txt': '42\n' });
    const t = tool([
      { id: 'num', type: 'int', outputBinding: { glob: 'n.txt', loadContents: true, outputEval: '$(parseInt(self[0].contents))' } },
      { id: 'code', type: 'int', outputBinding: { outputEval: '$(runtime.exitCode)' } },
      { id: 'text', type: 'string', outputBinding: { glob: 'n.txt', loadContents: true, outputEval: '$(self[0].contents)' } },
    ]);
    const out = await collect(t, dir, js);
    assert.deepEqual(out, { num: 42, code: 0, text: '42\n' });
  });

  test('loadContents on a file over 64 KiB is an error, not a truncation', async () => {
    const dir = await outdir({ 'big.txt': 'x'.repeat(64 * 1024 + 1), 'ok.txt': 'y'.repeat(64 * 1024) });
    await assert.rejects(collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: 'big.txt', loadContents: true } }]), dir), /64 KiB/);
    const out = await collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: 'ok.txt', loadContents: true } }]), dir);
    assert.equal((out.f as CwlFile).contents?.length, 64 * 1024);
  });

  test('outputEval may return a File by relative path; it is resolved in the output directory and described', async () => {
    const dir = await outdir({ 'made.txt': 'abc' });
    const out = await collect(tool([{ id: 'f', type: 'File', outputBinding: { outputEval: '${ return {"class": "File", "path": "made.txt"}; }' } }]), dir, js);
    assert.equal((out.f as CwlFile).checksum, sha1('abc'));
    assert.equal((out.f as CwlFile).path, path.join(dir, 'made.txt'));
  });

  test('outputEval returning a File literal writes it into the output directory', async () => {
    const dir = await outdir({});
    const out = await collect(tool([{ id: 'f', type: 'File', outputBinding: { outputEval: '${ return {"class": "File", "basename": "lit.txt", "contents": "literal"}; }' } }]), dir, js);
    assert.equal(await readFile(path.join(dir, 'lit.txt'), 'utf8'), 'literal');
    assert.equal((out.f as CwlFile).checksum, sha1('literal'));
  });

  test('an output whose value has the wrong type is OutputInvalidError naming the output', async () => {
    const dir = await outdir({});
    await assert.rejects(collect(tool([{ id: 'count', type: 'int', outputBinding: { outputEval: '$("three")' } }]), dir, js), (e: unknown) => e instanceof OutputInvalidError && /'count'/.test(e.message) && /expected int/.test(e.message));
  });
});

describe('secondaryFiles and format on outputs', () => {
  test('patterns with ^ and ?, expressions; a missing required one is OutputMissingError', async () => {
    const dir = await outdir({ 'r.bam': 'b', 'r.bai': 'i', 'r.bam.md5': 'm' });
    const t = tool([
      {
        id: 'bam',
        type: 'File',
        outputBinding: { glob: 'r.bam' },
        secondaryFiles: [{ pattern: '^.bai' }, { pattern: '.md5', required: true }, { pattern: '.absent?' }, { pattern: '$(self.nameroot + ".bai")' }],
      },
    ]);
    const out = await collect(t, dir, js);
    const sec = (out.bam as CwlFile).secondaryFiles as CwlFile[];
    assert.deepEqual(sec.map((s) => s.basename), ['r.bai', 'r.bam.md5']);
    assert.equal(sec[0]?.checksum, sha1('i'));
    const bad = tool([{ id: 'bam', type: 'File', outputBinding: { glob: 'r.bam' }, secondaryFiles: [{ pattern: '.crai', required: true }] }]);
    await assert.rejects(collect(bad, dir), OutputMissingError);
  });

  test('format is evaluated and its namespace prefix expanded', async () => {
    const dir = await outdir({ 'a.fa': '>' });
    const t = tool([{ id: 'f', type: 'File', outputBinding: { glob: 'a.fa' }, format: 'edam:format_1929' }], { namespaces: { edam: 'http://edamontology.org/' } });
    const out = await collect(t, dir);
    assert.equal((out.f as CwlFile).format, 'http://edamontology.org/format_1929');
    const t2 = tool([{ id: 'f', type: 'File', outputBinding: { glob: 'a.fa' }, format: '$(inputs.fmt)' }]);
    const out2 = await collect({ ...t2, inputs: [{ id: 'fmt', type: 'string' }] }, dir, refs, { fmt: 'http://x/fmt' });
    assert.equal((out2.f as CwlFile).format, 'http://x/fmt');
  });
});

describe('records and cwl.output.json', () => {
  test('a record output is built field by field from the fields\' outputBindings', async () => {
    const dir = await outdir({ 'a.txt': 'A', 'b.txt': 'B' });
    const t = tool([
      {
        id: 'rec',
        type: {
          type: 'record',
          fields: [
            { name: 'first', type: 'File', outputBinding: { glob: 'a.txt' } },
            { name: 'second', type: 'File', outputBinding: { glob: 'b.txt' }, secondaryFiles: [{ pattern: '^.txt?' }] },
          ],
        },
      },
    ]);
    const out = await collect(t, dir);
    const rec = out.rec as Record<string, CwlFile>;
    assert.equal(rec.first?.checksum, sha1('A'));
    assert.equal(rec.second?.basename, 'b.txt');
  });

  test('cwl.output.json takes over: relative path and location resolve in the output directory, extra keys dropped', async () => {
    const dir = await outdir({ 'sub/p.txt': 'P', 'l.txt': 'L' });
    await writeFile(
      path.join(dir, 'cwl.output.json'),
      JSON.stringify({ byPath: { class: 'File', path: 'sub/p.txt' }, byLocation: { class: 'File', location: 'l.txt' }, n: 3, extra: 'dropped' }),
    );
    const t = tool([
      { id: 'byPath', type: 'File', outputBinding: { glob: 'nothing' } },
      { id: 'byLocation', type: 'File' },
      { id: 'n', type: 'int' },
    ]);
    const out = await collect(t, dir);
    assert.deepEqual(Object.keys(out), ['byPath', 'byLocation', 'n']);
    assert.equal((out.byPath as CwlFile).checksum, sha1('P'));
    assert.equal((out.byLocation as CwlFile).path, path.join(dir, 'l.txt'));
    assert.equal(out.n, 3);
  });

  test('pathMap: absolute paths and file:// locations the command saw elsewhere (a container\'s binds) are read on the host; the deepest bind wins; other paths stay', async () => {
    const dir = await outdir({ 'sub/p.txt': 'P', 'l.txt': 'L', 'inner/i.txt': 'I' });
    const elsewhere = await outdir({ 'e.txt': 'E' });
    await writeFile(
      path.join(dir, 'cwl.output.json'),
      JSON.stringify({
        byPath: { class: 'File', path: '/other/sub/p.txt' },
        byLocation: { class: 'File', location: 'file:///other/l.txt' },
        deeper: { class: 'File', path: '/other/in/i.txt' },
        unmapped: { class: 'File', path: path.join(elsewhere, 'e.txt') },
        prefixOnly: { class: 'File', path: '/otherwise/x.txt' },
      }),
    );
    const t = tool([
      { id: 'byPath', type: 'File' },
      { id: 'byLocation', type: 'File' },
      { id: 'deeper', type: 'File' },
      { id: 'unmapped', type: 'File' },
      { id: 'prefixOnly', type: ['null', 'File'] },
    ]);
    const pathMap = [
      { from: '/other', to: dir },
      { from: '/other/in', to: path.join(dir, 'inner') },
    ];
    // '/otherwise' is not inside '/other': it stays as written, and does not exist.
    await assert.rejects(collectOutputs(t, {}, { outdir: dir }, refs, { pathMap }), (e: unknown) => e instanceof OutputMissingError && e.message.includes('/otherwise/x.txt'));
    const json = JSON.parse(await readFile(path.join(dir, 'cwl.output.json'), 'utf8')) as Record<string, unknown>;
    delete json.prefixOnly;
    await writeFile(path.join(dir, 'cwl.output.json'), JSON.stringify(json));
    const out = await collectOutputs(t, {}, { outdir: dir }, refs, { pathMap });
    assert.equal((out.byPath as CwlFile).path, path.join(dir, 'sub', 'p.txt'));
    assert.equal((out.byPath as CwlFile).checksum, sha1('P'));
    assert.equal((out.byLocation as CwlFile).path, path.join(dir, 'l.txt'));
    assert.equal((out.deeper as CwlFile).path, path.join(dir, 'inner', 'i.txt'));
    assert.equal((out.unmapped as CwlFile).path, path.join(elsewhere, 'e.txt'));
    assert.equal(out.prefixOnly, null);
  });

  test('cwl.output.json that is not JSON, or misses a required output, fails clearly', async () => {
    const dir = await outdir({ 'cwl.output.json': '{nope' });
    await assert.rejects(collect(tool([{ id: 'n', type: 'int' }]), dir), (e: unknown) => e instanceof OutputInvalidError && /cwl\.output\.json/.test(e.message));
    const dir2 = await outdir({ 'cwl.output.json': '{}' });
    await assert.rejects(collect(tool([{ id: 'n', type: 'int' }]), dir2), OutputMissingError);
  });

  test('a symlink in the output directory keeps its own basename', async () => {
    const dir = await outdir({ 'target.txt': 'T' });
    await symlink(path.join(dir, 'target.txt'), path.join(dir, 'link.txt'));
    const out = await collect(tool([{ id: 'f', type: 'File', outputBinding: { glob: 'link.txt' } }]), dir);
    assert.equal((out.f as CwlFile).basename, 'link.txt');
    assert.equal((out.f as CwlFile).checksum, sha1('T'));
  });
});

test('a match reached through a symlinked folder is reported at its real place, with its own name', async () => {
  const outside = await outdir({ 'keep.txt': 'K' });
  const dir = await outdir({});
  await symlink(outside, path.join(dir, 'in'));
  const out = await collect(tool([{ id: 'f', type: { type: 'array', items: 'File' }, outputBinding: { glob: 'in/*' } }]), dir);
  const [f] = out.f as CwlFile[];
  assert.equal(f?.path, path.join(outside, 'keep.txt'));
  assert.equal(f?.basename, 'keep.txt');
});

describe('ExpressionTool', () => {
  function exprTool(expression: string, outputs: OutputParameter[], inputs: ExpressionTool['inputs'] = []): ExpressionTool {
    return { class: 'ExpressionTool', id: 'file:///e.cwl', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///', inputs, outputs, expression };
  }

  test('outputs come from the returned object and are type-checked', async () => {
    const t = exprTool('${ return {"out": inputs.a.map(function (x) { return x * 2; })}; }', [{ id: 'out', type: { type: 'array', items: 'int' } }], [{ id: 'a', type: { type: 'array', items: 'int' } }]);
    assert.deepEqual(await runExpressionTool(t, { a: [1, 2] }, { outdir: await outdir({}) }, js), { out: [2, 4] });
    const wrong = exprTool('${ return {"out": "x"}; }', [{ id: 'out', type: 'int' }]);
    await assert.rejects(runExpressionTool(wrong, {}, { outdir: await outdir({}) }, js), OutputInvalidError);
    const notObject = exprTool('$(1)', [{ id: 'out', type: 'int' }]);
    await assert.rejects(runExpressionTool(notObject, {}, { outdir: await outdir({}) }, js), ExpressionError);
  });

  test('an output of type Any may be null; other required outputs may not', async () => {
    const t = exprTool('$({"output": null})', [{ id: 'output', type: 'Any' }]);
    assert.deepEqual(await runExpressionTool(t, {}, { outdir: await outdir({}) }, js), { output: null });
    const req = exprTool('$({"output": null})', [{ id: 'output', type: 'string' }]);
    await assert.rejects(runExpressionTool(req, {}, { outdir: await outdir({}) }, js), OutputMissingError);
  });

  test('File and Directory literals are written into the output directory (exprtool_file_literal)', async () => {
    const dir = await outdir({});
    const t = exprTool(
      '${ return {"lit": {"class": "File", "basename": "a_file", "contents": "Hello file literal."}, "d": {"class": "Directory", "basename": "dd", "listing": [{"class": "File", "basename": "in", "contents": "x"}]}}; }',
      [
        { id: 'lit', type: 'File' },
        { id: 'd', type: 'Directory' },
      ],
    );
    const out = await runExpressionTool(t, {}, { outdir: dir }, js);
    assert.equal((out.lit as CwlFile).checksum, 'sha1$fea23663b9c8ed71968f86415b5ec091bb111448');
    assert.equal((out.lit as CwlFile).size, 19);
    assert.equal(await readFile(path.join(dir, 'dd', 'in'), 'utf8'), 'x');
    assert.equal(((out.d as CwlDirectory).listing?.[0] as CwlFile).basename, 'in');
  });

  test('a literal with a blank-node location (_:) is written out too', async () => {
    const dir = await outdir({});
    const t = exprTool('${ return {"lit": {"class": "File", "location": "_:abc", "basename": "b.txt", "contents": "B"}}; }', [{ id: 'lit', type: 'File' }]);
    const out = await runExpressionTool(t, {}, { outdir: dir }, js);
    assert.equal((out.lit as CwlFile).path, path.join(dir, 'b.txt'));
  });

  test('loadContents on an ExpressionTool input is applied before the expression runs', async () => {
    const dir = await outdir({ 'in.txt': 'seven' });
    const t = exprTool('$({"out": inputs.f.contents})', [{ id: 'out', type: 'string' }], [{ id: 'f', type: 'File', loadContents: true }]);
    assert.deepEqual(await runExpressionTool(t, { f: { class: 'File', path: path.join(dir, 'in.txt') } }, { outdir: dir }, js), { out: 'seven' });
  });
});
