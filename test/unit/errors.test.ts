import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ParslCwlError, errorFromJson, errorToJson, registerRemoteError } from '../../src/util/errors.js';
import { exitCodeFor } from '../../src/cli/exitCodes.js';

class ExampleFailure extends ParslCwlError {
  constructor(message: string, readonly stepId: string) {
    super(ErrorCode.WorkflowStepFailed, message, { data: { stepId } });
  }
}

test('an error message carries its stable code', () => {
  const err = new ParslCwlError(ErrorCode.InputInvalid, 'input "x" must be an int');
  assert.equal(err.code, 'PCWL_INPUT_INVALID');
  assert.match(err.message, /^\[PCWL_INPUT_INVALID\] input "x"/);
  assert.equal(err.detail, 'input "x" must be an int');
});

test('an error crossing a process boundary comes back as the registered class with its cause', () => {
  registerRemoteError(ErrorCode.WorkflowStepFailed, (j) => new ExampleFailure(j.message, String(j.data?.stepId)));
  const original = new ExampleFailure('step s1 failed', 's1');
  Object.defineProperty(original, 'cause', { value: new ParslCwlError(ErrorCode.ToolFailed, 'exit 3') });
  const back = errorFromJson(JSON.parse(JSON.stringify(errorToJson(original))));
  assert.ok(back instanceof ExampleFailure);
  assert.equal((back as ExampleFailure).stepId, 's1');
  assert.ok(back.cause instanceof ParslCwlError);
  assert.equal((back.cause as ParslCwlError).code, ErrorCode.ToolFailed);
});

test('unsupported requirements map to exit code 33, also as a cause', () => {
  const unsupported = new ParslCwlError(ErrorCode.UnsupportedRequirement, 'DockerRequirement');
  assert.equal(exitCodeFor(unsupported), 33);
  assert.equal(exitCodeFor(new ParslCwlError(ErrorCode.WorkflowStepFailed, 'x', { cause: unsupported })), 33);
  assert.equal(exitCodeFor(new ParslCwlError(ErrorCode.ToolFailed, 'x')), 1);
  assert.equal(exitCodeFor(new Error('boom')), 1);
});
