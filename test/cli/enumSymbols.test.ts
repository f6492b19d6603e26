/**
 * Enum symbols that are not plain URI segments (`OTU table`, `taxa#2`, `a/b`, `café`): the job
 * file, `--name value`, the command line and the output object all see each symbol as written,
 * whether the enum is inline, in a SchemaDefRequirement, `$import`ed, or used by a workflow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, fixture, type CliResult } from './cliHarness.js';

const TYPES = `- name: TableKind
  type: enum
  symbols:
    - OTU table
    - "taxa#2"
    - café
    - a/b
    - "x%20y"
    - plain
`;

const TOOL = `cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: types.yml
inputs:
  kind:
    type: types.yml#TableKind
    inputBinding: {position: 1, prefix: --kind}
baseCommand: printf
arguments: [{valueFrom: "%s=%s\\\\n", position: 0}]
stdout: out.txt
outputs:
  line: {type: string, outputBinding: {glob: out.txt, loadContents: true, outputEval: "$(self[0].contents)"}}
  kind_out: {type: types.yml#TableKind, outputBinding: {outputEval: "$(inputs.kind)"}}
`;

const INLINE = `cwlVersion: v1.2
class: CommandLineTool
inputs:
  kind:
    type: {type: enum, symbols: ["OTU table", "taxa#2", "café", "a/b"]}
    inputBinding: {position: 1}
baseCommand: echo
stdout: out.txt
outputs:
  line: {type: string, outputBinding: {glob: out.txt, loadContents: true, outputEval: "$(self[0].contents)"}}
`;

const WORKFLOW = `cwlVersion: v1.2
class: Workflow
requirements:
  SchemaDefRequirement:
    types:
      - $import: types.yml
inputs:
  kind: types.yml#TableKind
outputs:
  line: {type: string, outputSource: s/line}
  kind_out: {type: types.yml#TableKind, outputSource: s/kind_out}
steps:
  s:
    run: tool.cwl
    in: {kind: kind}
    out: [line, kind_out]
`;

const FILES = { 'types.yml': TYPES, 'tool.cwl': TOOL, 'inline.cwl': INLINE, 'wf.cwl': WORKFLOW };

async function run(args: string[], job?: Record<string, unknown>): Promise<CliResult> {
  const dir = await fixture({ ...FILES, ...(job ? { 'job.json': JSON.stringify(job) } : {}) });
  return runCli(['--outdir', await tempDir(), ...args, ...(job ? ['job.json'] : [])], { cwd: dir });
}

function outputs(r: CliResult): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

for (const symbol of ['OTU table', 'taxa#2', 'café', 'a/b', 'x%20y']) {
  test(`an $import'ed SchemaDefRequirement enum takes ${JSON.stringify(symbol)} as written: job file, command line, output`, async () => {
    const out = outputs(await run(['tool.cwl'], { kind: symbol }));
    assert.equal(out.line, `--kind=${symbol}\n`);
    assert.equal(out.kind_out, symbol);
  });
}

test('--kind on the command line takes a symbol with a space', async () => {
  const out = outputs(await run(['tool.cwl', '--kind', 'OTU table']));
  assert.equal(out.kind_out, 'OTU table');
});

test('an inline enum takes symbols with a space, #, / and non-ASCII as written', async () => {
  for (const symbol of ['OTU table', 'taxa#2', 'café', 'a/b']) {
    const out = outputs(await run(['inline.cwl'], { kind: symbol }));
    assert.equal(out.line, `${symbol}\n`);
  }
});

test('a workflow passes an imported enum symbol with a space through a step to its output', async () => {
  const out = outputs(await run(['wf.cwl'], { kind: 'OTU table' }));
  assert.deepEqual(out, { line: '--kind=OTU table\n', kind_out: 'OTU table' });
});

test('only the symbols as written match: an escaped form or a last segment is refused with the symbols listed', async () => {
  for (const [file, value] of [['tool.cwl', 'OTU%20table'], ['tool.cwl', '2'], ['inline.cwl', 'b'], ['tool.cwl', 'x y']] as const) {
    const r = await run([file], { kind: value });
    assert.equal(r.code, 1, `${value}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^parsl-cwl: error: \[PCWL_INPUT_INVALID\] input 'kind': /);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
