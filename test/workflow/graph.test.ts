import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/cwl/workflow/graph.js';
import { UnsupportedRequirementError, WorkflowInvalidError } from '../../src/cwl/errors.js';
import type { CommandLineTool, Process, Workflow, WorkflowStep } from '../../src/cwl/model.js';

const tool: CommandLineTool = {
  class: 'CommandLineTool',
  id: 'file:///t/echo.cwl',
  cwlVersion: 'v1.2',
  originalCwlVersion: 'v1.2',
  baseUri: 'file:///t/',
  baseCommand: ['echo'],
  inputs: [{ id: 'message', type: 'string' }],
  outputs: [{ id: 'out', type: 'File' }],
};

function step(id: string, sources: Record<string, string | string[]>, run: Process = tool, extra: Partial<WorkflowStep> = {}): WorkflowStep {
  return { id, run, out: ['out'], in: Object.entries(sources).map(([k, source]) => ({ id: k, source })), ...extra };
}

function wf(steps: WorkflowStep[], outputSource: string | string[] = 'b/out'): Workflow {
  return {
    class: 'Workflow',
    id: 'file:///t/wf.cwl',
    cwlVersion: 'v1.2',
    originalCwlVersion: 'v1.2',
    baseUri: 'file:///t/',
    inputs: [{ id: 'msg', type: 'string' }],
    outputs: [{ id: 'result', type: 'File', outputSource }],
    steps,
  };
}

test('each step waits exactly for the steps its sources name', () => {
  const g = buildGraph(wf([step('a', { message: 'msg' }), step('b', { message: ['a/out', 'msg'] }), step('c', { message: 'msg' })]));
  assert.deepEqual([...g.upstream.get('a')!], []);
  assert.deepEqual([...g.upstream.get('b')!], ['a']);
  assert.deepEqual([...g.upstream.get('c')!], []);
  assert.deepEqual(g.outputSources.get('result'), [{ kind: 'step', step: 'b', output: 'out' }]);
});

test('a source that names nothing is a WorkflowInvalidError naming the field and the choices', () => {
  assert.throws(
    () => buildGraph(wf([step('a', { message: 'nope' }), step('b', { message: 'a/out' })])),
    (e: unknown) => e instanceof WorkflowInvalidError && e.code === 'PCWL_WORKFLOW_INVALID' && /steps\.a\.in\.message\.source/.test(e.message) && /msg/.test(e.message),
  );
});

test("a source naming an output the step does not list in 'out' is rejected", () => {
  assert.throws(() => buildGraph(wf([step('a', { message: 'msg' }), step('b', { message: 'a/missing' })])), /step 'a' has no output 'missing'/);
});

test('steps that depend on each other in a circle are rejected with the cycle spelled out', () => {
  assert.throws(
    () => buildGraph(wf([step('a', { message: 'b/out' }), step('b', { message: 'a/out' })])),
    (e: unknown) => e instanceof WorkflowInvalidError && /cycle: (a -> b -> a|b -> a -> b)/.test(e.message),
  );
});

test('scatter must name inputs of the step', () => {
  assert.throws(() => buildGraph(wf([step('a', { message: 'msg' }), step('b', { message: 'msg' }, tool, { scatter: ['other'] })])), /scatter names 'other'/);
});

test('an Operation step is unsupported (exit 33), found before anything runs', () => {
  const op: Process = { ...tool, class: 'Operation', id: 'file:///t/op.cwl' } as unknown as Process;
  assert.throws(() => buildGraph(wf([step('a', { message: 'msg' }), step('b', { message: 'msg' }, op)])), UnsupportedRequirementError);
});
