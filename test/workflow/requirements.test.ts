import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inheritRequirements, EMPTY_REQUIREMENTS } from '../../src/cwl/workflow/requirements.js';

const env = (v: string) => ({ class: 'EnvVarRequirement', envDef: { TEST_ENV: v } });

test('a workflow requirement reaches the tool when neither step nor tool sets the class', () => {
  const wf = inheritRequirements(EMPTY_REQUIREMENTS, { requirements: [env('wf')] });
  const tool = inheritRequirements(inheritRequirements(wf, {}), { requirements: [{ class: 'ShellCommandRequirement' }] });
  assert.deepEqual(tool.requirements, [env('wf'), { class: 'ShellCommandRequirement' }]);
});

test('the most specific requirement wins: tool over step over workflow', () => {
  const wf = inheritRequirements(EMPTY_REQUIREMENTS, { requirements: [env('wf')] });
  const step = inheritRequirements(wf, { requirements: [env('step')] });
  assert.deepEqual(step.requirements, [env('step')]);
  assert.deepEqual(inheritRequirements(step, { requirements: [env('tool')] }).requirements, [env('tool')]);
});

test("an enclosing workflow's requirement overrides the tool's hint of the same class", () => {
  const wf = inheritRequirements(EMPTY_REQUIREMENTS, { requirements: [env('override')] });
  const tool = inheritRequirements(wf, { hints: [env('$(inputs.in)')] });
  assert.deepEqual(tool.requirements, [env('override')]);
  assert.deepEqual(tool.hints, []);
});

test('hints resolve like requirements: the more specific hint wins', () => {
  const wf = inheritRequirements(EMPTY_REQUIREMENTS, { hints: [env('wf')] });
  assert.deepEqual(inheritRequirements(wf, { hints: [env('tool')] }).hints, [env('tool')]);
  assert.deepEqual(inheritRequirements(wf, {}).hints, [env('wf')]);
});
