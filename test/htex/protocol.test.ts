/** Protocol messages are validated where they are received: foreign frames become ProtocolError. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/util/errors.js';
import { ProtocolError } from '../../src/executors/htex/errors.js';
import { decodeFromPool, decodeToInterchange, decodeToPool, encode } from '../../src/executors/htex/protocol.js';

const isProtocolError = (pattern: RegExp) => (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.ProtocolError && pattern.test(err.message);

test('a message round-trips through encode and the decoder of its link', () => {
  const tasks = { type: 'tasks' as const, tasks: [{ id: 1, taskId: 7, attempt: 0, spec: { kind: 'noop' as const } }] };
  assert.deepEqual(decodeToInterchange(encode(tasks)), tasks);
  assert.deepEqual(decodeToPool(Buffer.from(encode(tasks))), tasks);
});

test('a frame that is not JSON, has no type, or a type of another link is refused', () => {
  assert.throws(() => decodeFromPool('{not json'), isProtocolError(/not JSON/));
  assert.throws(() => decodeFromPool('{"tasks": []}'), isProtocolError(/no "type"/));
  assert.throws(() => decodeFromPool('{"type": "shutdown"}'), isProtocolError(/unknown message type "shutdown"/));
  assert.throws(() => decodeToInterchange('{"type": "constructor"}'), isProtocolError(/unknown message type/));
});

test('a message missing a field is malformed', () => {
  assert.throws(() => decodeToInterchange('{"type": "tasks"}'), isProtocolError(/malformed "tasks"/));
  assert.throws(() => decodeFromPool('{"type": "register", "registration": {"poolId": "p"}}'), isProtocolError(/malformed "register"/));
});

test('a cancel names wire ids, on the executor→interchange and interchange→pool links', () => {
  const cancel = { type: 'cancel' as const, ids: [3, 4] };
  assert.deepEqual(decodeToInterchange(encode(cancel)), cancel);
  assert.deepEqual(decodeToPool(encode(cancel)), cancel);
  assert.throws(() => decodeToInterchange('{"type": "cancel"}'), isProtocolError(/malformed "cancel"/));
  assert.throws(() => decodeToPool('{"type": "cancel", "ids": 3}'), isProtocolError(/malformed "cancel"/));
  assert.throws(() => decodeFromPool('{"type": "cancel", "ids": []}'), isProtocolError(/unknown message type "cancel"/));
});
