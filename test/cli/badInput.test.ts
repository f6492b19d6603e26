import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir, fixture, type CliResult } from './cliHarness.js';

/** One clear error line naming the code, the documented exit code, and no stack trace. */
function assertCleanFailure(r: CliResult, exitCode: number, code: string): void {
  assert.equal(r.code, exitCode, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout when the run fails');
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0] ?? '', new RegExp(`^parsl-cwl: error: \\[${code}\\] `), r.stderr);
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(r.stderr), `no stack trace without --debug:\n${r.stderr}`);
}

const ECHO = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  message: {type: string, inputBinding: {position: 1}}
outputs:
  out: stdout
`;

const withJs = (body: string) => `cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
inputs: []
outputs: []
${body}`;

async function run(files: Record<string, string>, args: string[]): Promise<CliResult> {
  const dir = await fixture(files);
  return runCli(['--outdir', await tempDir(), ...args], { cwd: dir });
}

test('malformed YAML: PCWL_YAML_SYNTAX with the file and line', async () => {
  const r = await run({ 'bad.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs: [\n  - a: b\n' }, ['bad.cwl']);
  assertCleanFailure(r, 1, 'PCWL_YAML_SYNTAX');
  assert.match(r.stderr, /bad\.cwl:\d+/);
});

test('a document that fails validation: PCWL_DOCUMENT_INVALID naming the field', async () => {
  const r = await run({ 'invalid.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs:\n  x: {type: nosuchtype}\noutputs: []\nbaseCommand: true\n' }, ['invalid.cwl']);
  assertCleanFailure(r, 1, 'PCWL_DOCUMENT_INVALID');
  assert.match(r.stderr, /invalid\.cwl/);
});

test('--validate of an invalid document exits 1 with the same message', async () => {
  const r = await run({ 'invalid.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs: 7\noutputs: []\n' }, ['--validate', 'invalid.cwl']);
  assertCleanFailure(r, 1, 'PCWL_DOCUMENT_INVALID');
});

test('an unknown input on the command line: PCWL_INPUT_UNKNOWN listing the declared ones', async () => {
  const r = await run({ 'echo.cwl': ECHO }, ['echo.cwl', '--mesage', 'typo']);
  assertCleanFailure(r, 1, 'PCWL_INPUT_UNKNOWN');
  assert.match(r.stderr, /message/);
});

test('a wrong input type: PCWL_INPUT_INVALID naming the input', async () => {
  const r = await run({ 'echo.cwl': ECHO, 'job.yml': 'message: [1, 2]\n' }, ['echo.cwl', 'job.yml']);
  assertCleanFailure(r, 1, 'PCWL_INPUT_INVALID');
  assert.match(r.stderr, /'message'/);
});

test('a missing input file: PCWL_INPUT_FILE_MISSING with the path', async () => {
  const tool = 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: cat\ninputs:\n  f: {type: File, inputBinding: {position: 1}}\noutputs: []\n';
  const r = await run({ 'cat.cwl': tool, 'job.yml': 'f: {class: File, location: not-there.txt}\n' }, ['cat.cwl', 'job.yml']);
  assertCleanFailure(r, 1, 'PCWL_INPUT_FILE_MISSING');
  assert.match(r.stderr, /not-there\.txt/);
});

test('an expression that throws: PCWL_EXPRESSION_ERROR with the expression', async () => {
  const r = await run({ 't.cwl': withJs('baseCommand: echo\narguments: ["${ throw new Error(\'boom\'); }"]\n') }, ['t.cwl']);
  assertCleanFailure(r, 1, 'PCWL_EXPRESSION_ERROR');
  assert.match(r.stderr, /boom/);
});

test('an expression that never ends: PCWL_EXPRESSION_TIMEOUT after --eval-timeout', async () => {
  const started = Date.now();
  const r = await run({ 't.cwl': withJs('baseCommand: echo\narguments: ["${ while (true) {} }"]\n') }, ['--eval-timeout', '1', 't.cwl']);
  assertCleanFailure(r, 1, 'PCWL_EXPRESSION_TIMEOUT');
  assert.ok(Date.now() - started < 15_000);
});

test('a tool that exits non-zero: PCWL_TOOL_FAILED with its exit code and stderr', async () => {
  const r = await run({ 't.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [sh, -c, "echo disk full >&2; exit 4"]\ninputs: []\noutputs: []\n' }, ['t.cwl']);
  assertCleanFailure(r, 1, 'PCWL_TOOL_FAILED');
  assert.match(r.stderr, /code 4/);
  assert.match(r.stderr, /disk full/);
});

test('a glob that matches nothing for a required output: PCWL_OUTPUT_MISSING naming the output', async () => {
  const r = await run(
    { 't.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: "true"\ninputs: []\noutputs:\n  result: {type: File, outputBinding: {glob: result.txt}}\n' },
    ['t.cwl'],
  );
  assertCleanFailure(r, 1, 'PCWL_OUTPUT_MISSING');
  assert.match(r.stderr, /'result'/);
});

test('DockerRequirement under requirements with --no-container: exit 33 (unsupported)', async () => {
  const r = await run(
    { 't.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  DockerRequirement: {dockerPull: debian}\nbaseCommand: "true"\ninputs: []\noutputs: []\n' },
    ['--no-container', 't.cwl'],
  );
  assertCleanFailure(r, 33, 'PCWL_UNSUPPORTED_REQUIREMENT');
});

test('a PARSL_CWL_SPAWNER value it cannot use: PCWL_CONFIG_INVALID naming the variable', async () => {
  const dir = await fixture({ 'echo.cwl': ECHO });
  const r = await runCli(['--outdir', await tempDir(), 'echo.cwl', '--message', 'hi'], { cwd: dir, env: { ...process.env, PARSL_CWL_SPAWNER: 'fork' } });
  assertCleanFailure(r, 1, 'PCWL_CONFIG_INVALID');
  assert.match(r.stderr, /PARSL_CWL_SPAWNER='fork': must be 'native' or 'node'/);
});

test('a usage error (unknown option, no document): exit 2', async () => {
  const unknown = await runCli(['--no-such-option', 'echo.cwl']);
  assertCleanFailure(unknown, 2, 'PCWL_USAGE');
  const none = await runCli([]);
  assertCleanFailure(none, 2, 'PCWL_USAGE');
});

test('--debug adds the stack and keeps the job folder', async () => {
  const r = await run({ 't.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [sh, -c, "exit 4"]\ninputs: []\noutputs: []\n' }, ['--debug', 't.cwl']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\n\s+at .+:\d+:\d+/);
  assert.match(r.stderr, /job folders kept in /);
  // The kept folder has the kernel's log (a run whose folder is removed does not write it).
  const kept = /job folders kept in (\S+)/.exec(r.stderr)?.[1] ?? '';
  assert.match(readFileSync(path.join(kept, 'runinfo', '000', 'parsl.log'), 'utf8'), /failed/);
});
