/** The workflow checker's type rules on model objects: what is an error, a warning, or fine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assign, checkWorkflow } from '../../src/cwl/workflow/staticCheck.js';
import { WorkflowInvalidError } from '../../src/cwl/errors.js';
import type { CommandLineTool, CwlType, Workflow, WorkflowStep, WorkflowStepInput } from '../../src/cwl/model.js';

function tool(id: string, inType: CwlType, outType: CwlType, extra: Partial<CommandLineTool['inputs'][number]> = {}): CommandLineTool {
  return {
    class: 'CommandLineTool',
    id: `file:///t/${id}.cwl`,
    cwlVersion: 'v1.2',
    originalCwlVersion: 'v1.2',
    baseUri: 'file:///t/',
    baseCommand: ['true'],
    inputs: [{ id: 'x', type: inType, ...extra }],
    outputs: [{ id: 'y', type: outType }],
  };
}

function step(id: string, run: CommandLineTool, x: Partial<WorkflowStepInput>, extra: Partial<WorkflowStep> = {}): WorkflowStep {
  return { id, run, out: ['y'], in: [{ id: 'x', ...x }], ...extra };
}

function wf(inputs: Record<string, CwlType>, steps: WorkflowStep[], outputs: Workflow['outputs'] = []): Workflow {
  return {
    class: 'Workflow',
    id: 'file:///t/wf.cwl',
    cwlVersion: 'v1.2',
    originalCwlVersion: 'v1.2',
    baseUri: 'file:///t/',
    inputs: Object.entries(inputs).map(([id, type]) => ({ id, type })),
    outputs,
    steps,
  };
}

const arr = (items: CwlType): CwlType => ({ type: 'array', items });

/** Check a workflow with one step fed from input `src` of type `srcType` into an input of `sinkType`. */
function link(srcType: CwlType, sinkType: CwlType, x: Partial<WorkflowStepInput> = {}, extra: Partial<WorkflowStep> = {}) {
  return checkWorkflow(wf({ src: srcType }, [step('s', tool('t', sinkType, 'File'), { source: 'src', ...x }, extra)]), 'wf.cwl');
}

test('File into int is an error naming the step, the input and both types', () => {
  assert.throws(
    () => link('File', 'int'),
    (err: unknown) =>
      err instanceof WorkflowInvalidError &&
      err.location.file === 'wf.cwl' &&
      err.location.field === 'steps.s.in.x.source' &&
      /source 'src' gives File, which cannot be input 'x' of type int of step 's'/.test(err.message),
  );
});

test('Any on either side, and equal types, are fine', () => {
  for (const [src, sink] of [
    ['Any', 'int'],
    ['File', 'Any'],
    [arr('File'), arr('File')],
    ['stdout', 'File'],
  ] as Array<[CwlType, CwlType]>) {
    assert.deepEqual(link(src, sink).warnings, [], `${JSON.stringify(src)} -> ${JSON.stringify(sink)}`);
  }
});

test('null alone is never an error: an optional source into a required input is left to the run', () => {
  assert.deepEqual(link(['null', 'File'], 'File').warnings, []);
  assert.deepEqual(link(['null', 'string'], 'string', { default: 'd' }).warnings, []);
});

test('array shape: File into File[] or File[] into File is an error unless linkMerge or scatter changes it', () => {
  assert.throws(() => link('File', arr('File')), /gives File, which cannot be input 'x' of type File\[\]/);
  assert.throws(() => link(arr('File'), 'File'), /gives File\[\]/);
  assert.deepEqual(link('File', arr('File'), { linkMerge: 'merge_nested' }).warnings, []);
  assert.deepEqual(link('File', arr('File'), { linkMerge: 'merge_flattened' }).warnings, []);
  assert.deepEqual(link(arr('File'), arr('File'), { linkMerge: 'merge_flattened' }).warnings, []);
  assert.deepEqual(link(arr('File'), 'File', {}, { scatter: ['x'] }).warnings, []);
});

test('several sources merge nested by default: T, T into T[] is fine, into T is an error', () => {
  const t = tool('t', arr('string'), 'File');
  const ok = wf({ a: 'string', b: 'string' }, [step('s', t, { source: ['a', 'b'] })]);
  assert.deepEqual(checkWorkflow(ok).warnings, []);
  const bad = wf({ a: 'string', b: 'string' }, [step('s', tool('t', 'string', 'File'), { source: ['a', 'b'] })]);
  assert.throws(() => checkWorkflow(bad), /sources 'a', 'b' gives string\[\]/);
});

test('scatter adds an array level to step outputs (one per input with nested_crossproduct); when makes them optional', () => {
  const first = tool('first', 'string', 'File');
  const scattered = step('a', first, { source: 'words' }, { scatter: ['x'] });
  const wants = (type: CwlType, from = 'a/y') => step('b', tool('second', type, 'File'), { source: from });
  assert.deepEqual(checkWorkflow(wf({ words: arr('string') }, [scattered, wants(arr('File'))])).warnings, []);
  assert.throws(() => checkWorkflow(wf({ words: arr('string') }, [scattered, wants('File')])), /gives File\[\], which cannot be input 'x' of type File of step 'b'/);
  const two: CommandLineTool = { ...first, inputs: [...first.inputs, { id: 'z', type: 'string' }] };
  const nested: WorkflowStep = { id: 'a', run: two, out: ['y'], in: [{ id: 'x', source: 'words' }, { id: 'z', source: 'words' }], scatter: ['x', 'z'], scatterMethod: 'nested_crossproduct' };
  assert.deepEqual(checkWorkflow(wf({ words: arr('string') }, [nested, wants(arr(arr('File')))])).warnings, []);
  const cond = step('a', first, { source: 'word' }, { when: '$(true)' });
  assert.deepEqual(checkWorkflow(wf({ word: 'string' }, [cond, wants('File')])).warnings, [], 'a null from a skipped step is the run\'s to report');
  // A scattered conditional step gives File?[] (a skipped instance is a null item): all_non_null
  // of that one source is File[], and File?[] itself fits File[] (the nulls are the run's to report).
  const condScatter = step('a', first, { source: 'words' }, { scatter: ['x'], when: '$(true)' });
  assert.deepEqual(checkWorkflow(wf({ words: arr('string') }, [condScatter, step('b', tool('second', arr('File'), 'File'), { source: 'a/y', pickValue: 'all_non_null' })])).warnings, []);
  assert.deepEqual(checkWorkflow(wf({ words: arr('string') }, [condScatter, wants(arr('File'))])).warnings, []);
  assert.throws(() => checkWorkflow(wf({ words: arr('string') }, [condScatter, step('b', tool('second', 'File', 'File'), { source: 'a/y', pickValue: 'all_non_null' })])), /gives File\[\]/);
});

test('scattering over a source that cannot be an array is an error', () => {
  assert.throws(() => link('string', 'string', {}, { scatter: ['x'] }), /scatters over 'x', but its source 'src' is string, not an array/);
});

test('pickValue removes null: first_non_null of File? sources fits File, all_non_null gives File[]', () => {
  const t = (type: CwlType) => tool('t', type, 'File');
  const inputs: Record<string, CwlType> = { a: ['null', 'File'], b: ['null', 'File'] };
  assert.deepEqual(checkWorkflow(wf(inputs, [step('s', t('File'), { source: ['a', 'b'], pickValue: 'first_non_null' })])).warnings, []);
  assert.deepEqual(checkWorkflow(wf(inputs, [step('s', t(arr('File')), { source: ['a', 'b'], pickValue: 'all_non_null' })])).warnings, []);
  assert.throws(() => checkWorkflow(wf(inputs, [step('s', t('int'), { source: ['a', 'b'], pickValue: 'the_only_non_null' })])), /gives File, which cannot be/);
});

test('valueFrom makes a link unchecked', () => {
  assert.deepEqual(link('File', 'int', { valueFrom: '$(self.size)' }).warnings, []);
});

test('a step input the tool does not declare is not checked (valueFrom and when may use it)', () => {
  const s: WorkflowStep = { id: 's', run: tool('t', 'string', 'File'), out: ['y'], in: [{ id: 'x', source: 'src' }, { id: 'extra', source: 'f' }] };
  assert.deepEqual(checkWorkflow(wf({ src: 'string', f: 'File' }, [s])).warnings, []);
});

test('a required step input with no source, default or valueFrom is an error; the tool default counts', () => {
  assert.throws(() => checkWorkflow(wf({}, [step('s', tool('t', 'string', 'File'), {})])), /required input 'x' of step 's' has no source, default or valueFrom/);
  assert.deepEqual(checkWorkflow(wf({}, [step('s', tool('t', 'string', 'File', { default: 'd' }), {})])).warnings, []);
});

test('workflow outputs are checked against their outputSource', () => {
  const s = step('s', tool('t', 'string', 'File'), { source: 'src' });
  assert.throws(() => checkWorkflow(wf({ src: 'string' }, [s], [{ id: 'o', type: 'int', outputSource: 's/y' }])), (err: unknown) => err instanceof WorkflowInvalidError && err.location.field === 'outputs.o.outputSource');
  assert.deepEqual(checkWorkflow(wf({ src: 'string' }, [s], [{ id: 'o', type: ['null', 'File'], outputSource: 's/y' }])).warnings, []);
});

test('links that fit only some values are warnings, not errors', () => {
  assert.equal(link('float', 'int').warnings.length, 1);
  assert.equal(link('string', { type: 'enum', symbols: ['a', 'b'] }).warnings.length, 1);
  assert.equal(link(['File', 'int'], 'int').warnings.length, 1);
  assert.deepEqual(link('int', 'long').warnings, []);
  assert.deepEqual(link('int', 'double').warnings, []);
  assert.deepEqual(link({ type: 'enum', symbols: ['a'] }, 'string').warnings, []);
});

test('assign: records by field name, a missing required field is a warning; File is not Directory', () => {
  const rec = (fields: Array<[string, CwlType]>): CwlType => ({ type: 'record', fields: fields.map(([name, type]) => ({ name, type })) });
  assert.equal(assign(rec([['a', 'int']]), rec([['a', 'int']])), 'ok');
  assert.equal(assign(rec([['a', 'int']]), rec([['a', 'int'], ['b', 'File']])), 'warn');
  assert.equal(assign(rec([['a', 'int']]), rec([['a', 'int'], ['b', ['null', 'File']]])), 'ok');
  assert.equal(assign('File', 'Directory'), 'error');
  assert.equal(assign('File', ['null', 'Directory', 'File']), 'ok');
  assert.equal(assign('boolean', 'string'), 'error');
});
