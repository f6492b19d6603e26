/**
 * A `long` of 2^53 + 1 through real runs of the CLI: from a YAML job file, a JSON job file, a
 * default, `--n`, and cwl.output.json; through parameter references, the command line, an
 * `outputEval` reference, the workflow engine (local and HTEX) and the printed output object.
 * JavaScript expressions see a Number. And a YAML alias bomb as a job file or config fails fast.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseJson } from '../../src/util/exactJson.js';
import { runCli, tempDir, fixture, EXAMPLES, type CliResult } from './cliHarness.js';

const N = '9007199254740993'; // 2^53 + 1: a Number would print 9007199254740992
const D = '9007199254740995';

/** The output object is written by cwl.output.json; JavaScript reports what type it saw. */
const FROM_JSON = `cwlVersion: v1.2
class: CommandLineTool
requirements: {InlineJavascriptRequirement: {}}
inputs:
  n: long
  d: {type: long, default: ${D}}
baseCommand: echo
arguments: ['{"n": $(inputs.n), "d": $(inputs.d), "js_sees": "$(typeof inputs.n)"}']
stdout: cwl.output.json
outputs:
  n: long
  d: long
  js_sees: string
`;

/** The values as command-line words, read back; and an outputEval parameter reference. */
const WORDS = `cwlVersion: v1.2
class: CommandLineTool
inputs:
  n: long
  d: {type: long, default: ${D}}
baseCommand: echo
arguments: [$(inputs.n), $(inputs.d)]
stdout: words.txt
outputs:
  words:
    type: string
    outputBinding:
      glob: words.txt
      loadContents: true
      outputEval: $(self[0].contents)
  same:
    type: long
    outputBinding:
      outputEval: $(inputs.n)
`;

/** Step to step through the workflow engine. */
const WORKFLOW = `cwlVersion: v1.2
class: Workflow
inputs:
  n: long
outputs:
  n: {type: long, outputSource: first/n}
  words: {type: string, outputSource: second/words}
  same: {type: long, outputSource: second/same}
steps:
  first: {run: from_json.cwl, in: {n: n}, out: [n, d]}
  second: {run: words.cwl, in: {n: first/n, d: first/d}, out: [words, same]}
`;

const FILES = {
  'from_json.cwl': FROM_JSON,
  'words.cwl': WORDS,
  'wf.cwl': WORKFLOW,
  'job.yml': `n: ${N}\n`,
  'job.json': `{"n": ${N}}\n`,
};

async function run(args: string[]): Promise<{ r: CliResult; out: Record<string, unknown> }> {
  const dir = await fixture(FILES);
  const r = await runCli(['--quiet', '--outdir', await tempDir(), ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return { r, out: parseJson(r.stdout) as Record<string, unknown> };
}

describe('a long of 2^53 + 1 stays exact', () => {
  for (const [source, args] of [
    ['a YAML job file', ['from_json.cwl', 'job.yml']],
    ['a JSON job file', ['from_json.cwl', 'job.json']],
    ['--n on the command line', ['from_json.cwl', '--n', N]],
  ] as const) {
    test(`from ${source}, through cwl.output.json to the printed output`, async () => {
      const { r, out } = await run([...args]);
      assert.match(r.stdout, new RegExp(`"n": ${N}\\b`));
      assert.match(r.stdout, new RegExp(`"d": ${D}\\b`), 'the default too');
      assert.equal(out.n, BigInt(N));
      assert.equal(out.d, BigInt(D));
      // Expressions get Numbers, as cwltool's do.
      assert.equal(out.js_sees, 'number');
    });
  }

  test('on the command line and through an outputEval parameter reference', async () => {
    const { out } = await run(['words.cwl', 'job.yml']);
    assert.equal(out.words, `${N} ${D}\n`);
    assert.equal(out.same, BigInt(N));
  });

  for (const [executor, extra] of [
    ['the local executor', []],
    ['HTEX workers', ['--config', path.join(EXAMPLES, 'configs/htex-local.yml')]],
  ] as const) {
    test(`step to step in a workflow on ${executor}`, async () => {
      const { out } = await run([...extra, 'wf.cwl', 'job.yml']);
      assert.deepEqual(out, { n: BigInt(N), words: `${N} ${D}\n`, same: BigInt(N) });
    });
  }

  test('an int input still refuses a value outside 32 bits', async () => {
    const dir = await fixture({ 'int.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs: {i: int}\noutputs: []\nbaseCommand: "true"\n' });
    const r = await runCli(['--quiet', '--outdir', await tempDir(), 'int.cwl', '--i', N], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^parsl-cwl: error: \[PCWL_INPUT_INVALID\] input 'i'/);
  });
});

/** Nine levels of nine aliases: 9^9 strings when expanded; js-yaml parses it into a small graph. */
function aliasBomb(): string {
  const lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

describe('a YAML alias bomb', () => {
  test('as a job file fails fast with PCWL_DOCUMENT_LIMIT naming the file and the limit', async () => {
    const dir = await fixture({ 'words.cwl': WORDS, 'bomb.yml': `n: 1\n${aliasBomb()}` });
    const r = await runCli(['--outdir', await tempDir(), 'words.cwl', 'bomb.yml'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /^parsl-cwl: error: \[PCWL_DOCUMENT_LIMIT\] \S*bomb\.yml: aliases expand it to a size of \d+, more than the limit of \d+/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('as a --config file fails with PCWL_CONFIG_INVALID', async () => {
    const dir = await fixture({ 'words.cwl': WORDS, 'config.yml': aliasBomb() });
    const r = await runCli(['--config', 'config.yml', '--outdir', await tempDir(), 'words.cwl', '--n', '1'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^parsl-cwl: error: \[PCWL_CONFIG_INVALID\] config \S*config\.yml: aliases expand it/);
  });
});
