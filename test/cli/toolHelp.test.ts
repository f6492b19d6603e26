/** `parsl-cwl tool.cwl --help`: the tool's inputs as flags (as cwltool prints them), and nothing run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { fixture, runCli, tempDir } from './cliHarness.js';

const TOOL = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: touch
arguments: [ran]
inputs:
  reads: {type: 'File[]', doc: "The reads to map.\\nSecond line not shown."}
  k: {type: int, default: 19, label: seed length}
  mode: {type: {type: enum, symbols: [fast, slow]}}
  verbose: boolean?
  pair:
    type: {type: record, fields: [{name: left, type: int}, {name: right, type: string}]}
  args.py: {type: File?}
outputs: []
`;

test('tool.cwl --help prints each input as a flag with its type, default or need, and its first doc line; nothing runs', async () => {
  const dir = await fixture({ 'map.cwl': TOOL });
  const outdir = await tempDir();
  const r = await runCli(['--outdir', outdir, 'map.cwl', '--help'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^usage: parsl-cwl \[options\] map\.cwl \[JOB\] \[--input value \.\.\.\]\n/);
  assert.match(r.stdout, /^ {2}--reads FILE \[FILE \.\.\.\] +File\[\]; required; The reads to map\.$/m);
  assert.doesNotMatch(r.stdout, /Second line/);
  assert.match(r.stdout, /^ {2}--k INT +int; default: 19; seed length$/m);
  assert.match(r.stdout, /^ {2}--mode \{fast,slow\} +\S+; required$/m);
  assert.match(r.stdout, /^ {2}--verbose +boolean\?; optional$/m);
  assert.match(r.stdout, /^ {2}--pair\.left INT +record\{left: int, right: string\}; required$/m);
  assert.match(r.stdout, /^ {2}--pair\.right STRING$/m);
  assert.match(r.stdout, /^ {2}--args\.py FILE +File\?; optional$/m);
  assert.deepEqual(await readdir(outdir), [], 'the tool did not run');
  // -h too, and after a job file.
  const h = await runCli(['--outdir', outdir, 'map.cwl', '-h'], { cwd: dir });
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout, r.stdout);
});

test('an input named help is an input, and an input whose name has a dot is given whole', async () => {
  const dir = await fixture({
    't.cwl': `cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  help: {type: string, inputBinding: {position: 1}}
  args.py: {type: string, inputBinding: {position: 2}}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding: {glob: out.txt, loadContents: true, outputEval: '$(self[0].contents)'}
`,
  });
  const r = await runCli(['--outdir', await tempDir(), 't.cwl', '--help', 'me', '--args.py', 'x.py'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).out, 'me x.py\n');
});
