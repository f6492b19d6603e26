import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataFlowKernel, loadTool, DependencyError, ErrorCode, type CwlFile, type ParslCwlError } from '../../src/index.js';
import { tempDir } from './fixtures.js';

const examples = resolve(import.meta.dirname, '../../../cwl-examples');

test('a CWL tool loaded with loadTool runs as a kernel task; a future of one output is the input of another tool', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const data = join(dir, 'data.txt');
    writeFileSync(data, 'a\nb\nc\n');
    const wc = await loadTool<{ file: CwlFile }, { lines: number; report: CwlFile }>(join(examples, 'wc.cwl'), { dfk });
    const cat = await loadTool<{ files: CwlFile[] }, { joined: CwlFile }>(join(examples, 'cat.cwl'), { dfk });
    const counted = wc({ file: { class: 'File', path: data } });
    const joined = cat({ files: [counted.output('report'), { class: 'File', path: data }] });
    const out = await joined;
    assert.equal((await counted).lines, 3);
    assert.equal(await counted.output('lines'), 3);
    assert.equal(readFileSync(out.joined.path as string, 'utf8'), '3\na\nb\nc\n');
    assert.equal(counted.state, 'exec_done');
    assert.ok((out.joined.path as string).startsWith(join(dfk.runDir, 'jobs')), 'job folders live in the run directory');
  } finally {
    await dfk.shutdown();
  }
});

test('a CWL app with an invalid input rejects naming the input, and its dependants fail with DependencyError', async () => {
  const dir = tempDir();
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo') });
  try {
    const wc = await loadTool(join(examples, 'wc.cwl'), { dfk });
    const cat = await loadTool(join(examples, 'cat.cwl'), { dfk });
    const bad = wc({ file: 42 });
    const err = (await bad.then(() => undefined, (e: unknown) => e)) as ParslCwlError;
    assert.equal(err.code, ErrorCode.InputInvalid);
    assert.match(err.message, /input 'file'/);
    const missing = wc({ file: { class: 'File', path: join(dir, 'nope.txt') } });
    await assert.rejects(missing.result(), /input 'file'.*nope\.txt/);
    const after = cat({ files: [bad.output('report')] });
    const dep = await after.then(() => undefined, (e: unknown) => e);
    assert.ok(dep instanceof DependencyError);
    assert.equal(dep.rootTaskId, bad.taskId);
  } finally {
    await dfk.shutdown();
  }
});

test('commandTemplate shows the command shape', async () => {
  const dir = tempDir();
  const tool = join(dir, 'find.cwl');
  writeFileSync(
    tool,
    [
      'cwlVersion: v1.2',
      'class: CommandLineTool',
      'baseCommand: find',
      'inputs:',
      '  dir: {type: Directory, inputBinding: {position: 1}}',
      '  name: {type: "string?", inputBinding: {position: 2, prefix: -name}}',
      '  extra: {type: "string[]?", inputBinding: {position: 3}}',
      'outputs: []',
    ].join('\n'),
  );
  const app = await loadTool(tool);
  assert.equal(app.commandTemplate, 'find <dir> [-name <name>] [<extra>...]');
  const cat = await loadTool(join(examples, 'cat.cwl'));
  assert.equal(cat.commandTemplate, 'cat <files>... > joined.txt');
});

test('loadTool refuses a Workflow, and a missing document rejects naming it', async () => {
  const dir = tempDir();
  const wf = join(dir, 'wf.cwl');
  writeFileSync(wf, ['cwlVersion: v1.2', 'class: Workflow', 'inputs: []', 'outputs: []', 'steps: []'].join('\n'));
  await assert.rejects(loadTool(wf), /is a Workflow; loadTool takes a CommandLineTool/);
  await assert.rejects(loadTool(join(dir, 'absent.cwl')), /absent\.cwl/);
});

test('CWL apps with cache: true are memoized across runs, unless the tool says WorkReuse enableReuse: false', async () => {
  const dir = tempDir();
  const ranLog = join(dir, 'ran.log');
  const tool = (reuse: boolean): string => {
    const file = join(dir, `tool-${reuse}.cwl`);
    writeFileSync(
      file,
      [
        'cwlVersion: v1.2',
        'class: CommandLineTool',
        ...(reuse ? [] : ['hints:', '  WorkReuse: {enableReuse: false}']),
        'requirements:',
        '  ShellCommandRequirement: {}',
        'inputs:',
        '  msg: string',
        'arguments:',
        `  - {valueFrom: "echo $(inputs.msg) >> ${ranLog}; echo $(inputs.msg)", shellQuote: false}`,
        'outputs:',
        '  out: stdout',
      ].join('\n'),
    );
    return file;
  };
  const states: string[] = [];
  for (let run = 0; run < 2; run++) {
    const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo'), checkpointMode: 'task_exit' });
    const reusable = await loadTool(tool(true), { dfk, cache: true });
    const fresh = await loadTool(tool(false), { dfk, cache: true });
    const a = reusable({ msg: 'hi' });
    const b = fresh({ msg: 'ho' });
    const [ra] = await Promise.all([a.result(), b.result()]);
    assert.ok(existsSync((ra.out as CwlFile).path as string), 'a reused output still points at an existing file');
    states.push(a.state, b.state);
    await dfk.shutdown();
  }
  assert.deepEqual(states, ['exec_done', 'exec_done', 'memo_done', 'exec_done']);
  assert.deepEqual(readFileSync(ranLog, 'utf8').split('\n').filter(Boolean).sort(), ['hi', 'ho', 'ho']);
});
