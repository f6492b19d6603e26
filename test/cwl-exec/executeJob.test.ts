import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { executeJob } from '../../src/cwl/execution/index.js';
import type { JobSpec } from '../../src/cwl/jobSpec.js';
import type { CommandLineTool, CwlFile, ExpressionTool, Requirement } from '../../src/cwl/model.js';
import { ErrorCode, ParslCwlError } from '../../src/util/errors.js';

function tool(fields: Partial<CommandLineTool>): CommandLineTool {
  return { id: 'file:///t/tool.cwl', class: 'CommandLineTool', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///t/', inputs: [], outputs: [], ...fields };
}

async function job(t: CommandLineTool | ExpressionTool, inputs: Record<string, unknown> = {}, requirements: Requirement[] = [], hints: Requirement[] = []): Promise<JobSpec> {
  const jobDir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-job-'));
  return { tool: t, inputs, requirements: [...(t.requirements ?? []), ...requirements], hints: [...(t.hints ?? []), ...hints], paths: { jobDir }, name: 'tool.cwl' };
}

async function inputFile(name: string, text: string): Promise<CwlFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-in-'));
  const p = path.join(dir, name);
  await writeFile(p, text);
  return { class: 'File', location: pathToFileURL(p).href, path: p, basename: name };
}

function hasCode(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ParslCwlError, `expected a ParslCwlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

test('runs the command in outdir with HOME/TMPDIR set and a captured stdout output', async () => {
  const t = tool({
    baseCommand: ['/bin/sh', '-c', 'echo "$HOME|$TMPDIR|$(pwd)|${SECRET:-none}"'],
    outputs: [{ id: 'out', type: 'stdout' }],
  });
  process.env.SECRET = 'leak';
  const spec = await job(t);
  const result = await executeJob(spec);
  delete process.env.SECRET;
  const out = result.outputs.out as CwlFile;
  const [home, tmp, cwd, secret] = (await readFile(out.path!, 'utf8')).trim().split('|');
  assert.equal(home, result.outdir);
  assert.equal(cwd, result.outdir);
  assert.equal(tmp, path.join(spec.paths.jobDir, 'tmp'));
  assert.equal(secret, 'none', 'the parent environment must not leak into the tool');
  assert.match(out.checksum ?? '', /^sha1\$/);
});

test('EnvVarRequirement values (expressions too) reach the tool', async () => {
  const t = tool({
    baseCommand: ['/bin/sh', '-c', 'printf %s "$GREETING"'],
    inputs: [{ id: 'who', type: 'string' }],
    outputs: [{ id: 'out', type: 'stdout' }],
    requirements: [{ class: 'EnvVarRequirement', envDef: [{ envName: 'GREETING', envValue: 'hi $(inputs.who)' }] }],
  });
  const result = await executeJob(await job(t, { who: 'ada' }));
  assert.equal(await readFile((result.outputs.out as CwlFile).path!, 'utf8'), 'hi ada');
});

test('InitialWorkDir: literal files, renamed inputs (read-only link), writable copies, JSON dumps', async () => {
  const input = await inputFile('data.txt', 'original');
  const t = tool({
    baseCommand: ['/bin/sh', '-c', 'echo changed > copy.txt; cat conf.txt linked.txt copy.txt nums.json'],
    inputs: [{ id: 'f', type: 'File' }],
    outputs: [{ id: 'out', type: 'stdout' }],
    requirements: [
      {
        class: 'InitialWorkDirRequirement',
        listing: [
          { entryname: 'conf.txt', entry: 'name=$(inputs.f.basename)\n' },
          { entryname: 'linked.txt', entry: '$(inputs.f)' },
          { entryname: 'copy.txt', entry: '$(inputs.f)', writable: true },
          { entryname: 'nums.json', entry: '${ return [1, 2]; }' },
        ],
      },
      { class: 'InlineJavascriptRequirement' },
    ],
  });
  const result = await executeJob(await job(t, { f: input }));
  assert.equal(await readFile((result.outputs.out as CwlFile).path!, 'utf8'), 'name=data.txt\noriginalchanged\n[1, 2]');
  assert.equal(await readFile(input.path!, 'utf8'), 'original', 'a writable entry is a copy: the input is untouched');
  assert.ok((await lstat(path.join(result.outdir, 'linked.txt'))).isSymbolicLink());
});

test('an entryname outside the output directory is an error', async () => {
  const input = await inputFile('x.txt', 'x');
  for (const entryname of ['../escape.txt', '/tmp/absolute.txt']) {
    const t = tool({
      baseCommand: ['true'],
      inputs: [{ id: 'f', type: 'File' }],
      requirements: [{ class: 'InitialWorkDirRequirement', listing: [{ entryname, entry: '$(inputs.f)' }] }],
    });
    await assert.rejects(executeJob(await job(t, { f: input })), hasCode(ErrorCode.DocumentInvalid));
  }
});

test('exit codes: successCodes, temporaryFailCodes and a failure with the stderr tail', async () => {
  const ok = tool({ baseCommand: ['/bin/sh', '-c', 'exit 7'], successCodes: [7] });
  assert.equal((await executeJob(await job(ok))).exitCode, 7);
  const temp = tool({ baseCommand: ['/bin/sh', '-c', 'exit 5'], temporaryFailCodes: [5] });
  await assert.rejects(executeJob(await job(temp)), hasCode(ErrorCode.ToolTemporaryFailure));
  const fail = tool({ baseCommand: ['/bin/sh', '-c', 'echo something broke >&2; exit 2'] });
  await assert.rejects(executeJob(await job(fail)), (e: unknown) => {
    hasCode(ErrorCode.ToolFailed)(e);
    assert.match((e as Error).message, /exited with code 2[\s\S]*something broke/);
    return true;
  });
});

test('ToolTimeLimit kills the command; an expression limit works too', async () => {
  const t = tool({ baseCommand: ['sleep', '20'], requirements: [{ class: 'InlineJavascriptRequirement' }, { class: 'ToolTimeLimit', timelimit: '$(1)' }] });
  const started = Date.now();
  await assert.rejects(executeJob(await job(t)), hasCode(ErrorCode.ToolTimeout));
  assert.ok(Date.now() - started < 8000);
  const negative = tool({ baseCommand: ['true'], requirements: [{ class: 'ToolTimeLimit', timelimit: -1 }] });
  await assert.rejects(executeJob(await job(negative)), hasCode(ErrorCode.DocumentInvalid));
});

test('DockerRequirement as a requirement with containers off and unknown requirements are unsupported; unknown hints are ignored', async () => {
  const t = tool({ baseCommand: ['true'] });
  const noContainer = async (spec: Promise<JobSpec>): Promise<JobSpec> => ({ ...(await spec), options: { container: { mode: 'off' } } });
  await assert.rejects(executeJob(await noContainer(job(t, {}, [{ class: 'DockerRequirement', dockerPull: 'debian' }]))), hasCode(ErrorCode.UnsupportedRequirement));
  await assert.rejects(executeJob(await job(t, {}, [{ class: 'MagicRequirement' }])), hasCode(ErrorCode.UnsupportedRequirement));
  const logs: string[] = [];
  const result = await executeJob(await noContainer(job(t, {}, [], [{ class: 'DockerRequirement', dockerPull: 'debian' }, { class: 'MagicHint' }])), undefined, { log: (l) => logs.push(l) });
  assert.equal(result.exitCode, 0);
  assert.ok(logs.some((l) => /ignoring unknown hint MagicHint/.test(l)));
});

test('a symbolic link to a file outside the output directory is not an output (illegal_symlink)', async () => {
  const outside = await inputFile('outside.txt', 'secret');
  const t = tool({
    baseCommand: ['ln', '-s', outside.path!, 'link.txt'],
    outputs: [{ id: 'f', type: 'File', outputBinding: { glob: 'link.txt' } }],
  });
  await assert.rejects(executeJob(await job(t)), hasCode(ErrorCode.OutputInvalid));
});

test('stdin comes from the `stdin` field; a missing program is a tool failure naming it', async () => {
  const input = await inputFile('in.txt', 'piped\n');
  const t = tool({ baseCommand: ['cat'], stdin: '$(inputs.f.path)', inputs: [{ id: 'f', type: 'File' }], outputs: [{ id: 'o', type: 'stdout' }] });
  const result = await executeJob(await job(t, { f: input }));
  assert.equal(await readFile((result.outputs.o as CwlFile).path!, 'utf8'), 'piped\n');
  const missing = tool({ baseCommand: ['pcwl-no-such-program'] });
  await assert.rejects(executeJob(await job(missing)), (e: unknown) => hasCode(ErrorCode.ToolFailed)(e) && /pcwl-no-such-program/.test((e as Error).message));
});

test('an ExpressionTool runs without a command', async () => {
  const t: ExpressionTool = {
    id: 'file:///t/e.cwl',
    class: 'ExpressionTool',
    cwlVersion: 'v1.2',
    originalCwlVersion: 'v1.2',
    baseUri: 'file:///t/',
    inputs: [{ id: 'n', type: 'int' }],
    outputs: [{ id: 'twice', type: 'int' }],
    requirements: [{ class: 'InlineJavascriptRequirement' }],
    expression: '${ return {twice: inputs.n * 2}; }',
  };
  assert.deepEqual((await executeJob(await job(t, { n: 21 }))).outputs, { twice: 42 });
});

test('an aborted job stops its command', async () => {
  const t = tool({ baseCommand: ['sleep', '20'] });
  const ac = new AbortController();
  const run = executeJob(await job(t), ac.signal);
  setTimeout(() => ac.abort(new Error('stop now')), 100);
  await assert.rejects(run, /stop now/);
});

test('a stdout file name with glob characters is still found by the stdout output', async () => {
  const t = tool({ baseCommand: ['echo', 'x'], stdout: 'out[1]*.txt', outputs: [{ id: 'o', type: 'stdout' }] });
  const result = await executeJob(await job(t));
  assert.equal(path.basename((result.outputs.o as CwlFile).path!), 'out[1]*.txt');
});
