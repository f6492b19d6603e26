import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageProject } from './fixtures.js';

const repo = resolve(import.meta.dirname, '../../..');
const tsc = join(repo, 'node_modules', '.bin', 'tsc');
const cli = join(repo, 'dist', 'src', 'cli', 'main.js');

const TOOL = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
requirements:
  InlineJavascriptRequirement: {}
inputs:
  message: {type: string, inputBinding: {position: 1}, doc: "What to say"}
  times: {type: "int?", inputBinding: {prefix: -n, position: 2}}
  mode:
    type: {type: enum, symbols: [fast, slow]}
    default: fast
    inputBinding: {position: 3}
  files: {type: "File[]", inputBinding: {position: 4}}
  dir: {type: "Directory?"}
  either: {type: [int, string], inputBinding: {position: 5}}
  big: "long?"
  who:
    type:
      type: record
      name: Who
      fields:
        name: string
        age: int?
outputs:
  said: stdout
  count:
    type: int
    outputBinding: {outputEval: "$(inputs.files.length)"}
stdout: said.txt
`;

/** A folder where `import ... from 'parsl-cwl'` resolves to this repository, as after `npm install parsl-cwl`.
 * JavaScript is emitted beside the TypeScript, so the module's relative URL of say.cwl holds. */
function project(): string {
  const dir = packageProject('pcwl-typegen-', repo, { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: [] });
  writeFileSync(join(dir, 'say.cwl'), TOOL);
  return dir;
}

function typegen(dir: string): void {
  const r = spawnSync(process.execPath, [cli, 'typegen', join(dir, 'say.cwl'), '-o', join(dir, 'say.ts')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function compile(dir: string): { status: number | null; output: string } {
  const r = spawnSync(tsc, ['-p', dir], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

test('typegen writes Inputs/Outputs from the CWL types', () => {
  const dir = project();
  typegen(dir);
  const text = readFileSync(join(dir, 'say.ts'), 'utf8');
  assert.match(text, /export interface Who \{\n  age\?: number \| null;\n  name: string;\n\}/);
  assert.match(text, /\/\*\* What to say \*\/\n  message: string;/);
  assert.match(text, /times\?: number \| null;/);
  assert.match(text, /mode\?: "fast" \| "slow";/, 'a default makes an input optional');
  assert.match(text, /files: Array<CwlFile>;/);
  assert.match(text, /dir\?: CwlDirectory \| null;/);
  assert.match(text, /either: number \| string;/);
  assert.match(text, /big\?: number \| bigint \| null;/, 'a long may be a bigint (exact beyond 2^53)');
  assert.match(text, /who: Who;/);
  assert.match(text, /export interface Outputs \{\n  count: number;\n  said: CwlFile;\n\}/);
  assert.match(text, /Command: `echo <message> \[-n <times>\] \[<mode>\] <files>\.\.\. <either> > said\.txt`/);
  assert.match(text, /const app: \(inputs: Inputs\) => AppFuture<Outputs> = lazyTool<InputValues, Outputs>\(new URL\("\.\/say\.cwl", import\.meta\.url\)\);/);
});

test('a correct call compiles with tsc and runs; a wrong input type is a compile error', { timeout: 120_000 }, () => {
  const dir = project();
  typegen(dir);
  writeFileSync(join(dir, 'data.txt'), 'x\n');
  writeFileSync(
    join(dir, 'main.ts'),
    `import { DataFlowKernel, type CwlFile } from 'parsl-cwl';
import say from './say.js';
const dfk = await DataFlowKernel.load({ runDir: ${JSON.stringify(join(dir, 'runinfo'))} });
const file: CwlFile = { class: 'File', path: ${JSON.stringify(join(dir, 'data.txt'))} };
const first = say({ message: 'hello', files: [file], either: 3, who: { name: 'ann' }, mode: 'slow' });
// A future of one output is accepted where a File is expected.
const second = say({ message: 'again', files: [first.output('said'), file], either: 'x', who: { name: 'bob', age: 3 }, big: 9007199254740993n });
const out = await second;
const n: number = out.count;
console.log(JSON.stringify({ n, said: out.said.path }));
await dfk.shutdown();
`,
  );
  const ok = compile(dir);
  assert.equal(ok.status, 0, ok.output);
  const run = spawnSync(process.execPath, [join(dir, 'main.js')], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const printed = JSON.parse(run.stdout.trim()) as { n: number; said: string };
  assert.equal(printed.n, 2);
  assert.equal(readFileSync(printed.said, 'utf8').trim(), `again fast ${join(dir, 'runinfo', '000', 'jobs', '0-say', 'out', 'said.txt')} ${join(dir, 'data.txt')} x`);

  // Wrong calls: a number for a string, a missing required input, an enum symbol that does not exist.
  writeFileSync(
    join(dir, 'main.ts'),
    `import say from './say.js';
say({ message: 42, files: [], either: 1, who: { name: 'x' } });
say({ message: 'm', files: [], who: { name: 'x' } });
say({ message: 'm', files: [], either: 1, who: { name: 'x' }, mode: 'medium' });
`,
  );
  const bad = compile(dir);
  assert.notEqual(bad.status, 0);
  assert.match(bad.output, /main\.ts\(2,7\).*error TS2322/);
  assert.match(bad.output, /main\.ts\(3,5\).*error TS2345.*either/s);
  assert.match(bad.output, /main\.ts\(4,\d+\).*error/);
});

test('every CommandLineTool and ExpressionTool of the CWL v1.2 suite that loads gets a module strict tsc accepts', { timeout: 300_000 }, async (t) => {
  const suite = resolve(repo, '..', 'shared', 'cwl-v1.2', 'tests');
  if (!existsSync(suite)) {
    t.skip(`the conformance suite is not at ${suite}`);
    return;
  }
  const { loadTool } = await import('../../src/index.js');
  const { generateModule } = await import('../../src/cwl/typegen/index.js');
  const dir = project();
  let generated = 0;
  for (const name of readdirSync(suite).filter((n) => n.endsWith('.cwl'))) {
    const text = readFileSync(join(suite, name), 'utf8');
    if (!/^class: (CommandLineTool|ExpressionTool)/m.test(text) || text.includes('$graph')) continue;
    let app;
    try {
      app = await loadTool(join(suite, name));
    } catch {
      continue; // documents the suite makes invalid on purpose
    }
    writeFileSync(join(dir, `t${generated}.ts`), generateModule(app.tool, { toolRefCode: JSON.stringify(join(suite, name)), source: name }));
    generated++;
  }
  assert.ok(generated > 150, `only ${generated} tools loaded`);
  const r = compile(dir);
  assert.equal(r.status, 0, r.output);
});
