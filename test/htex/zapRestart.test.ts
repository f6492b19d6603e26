/**
 * The process's ZAP handler closes with its last executor and the next executor binds it again at
 * once; libzmq frees the inproc endpoint asynchronously, so the second bind must not fail
 * (EADDRINUSE seen when one test's executor started right after another's shut down).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { startZapAuthenticator } from '../../src/executors/htex/zapAuthenticator.js';

const KEY = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';

test('close then start again at once, 200 times, and two starts at the same time', async () => {
  for (let i = 0; i < 200; i++) {
    const zap = await startZapAuthenticator(zmq, KEY, () => {});
    zap.close();
  }
  const [a, b] = await Promise.all([startZapAuthenticator(zmq, KEY, () => {}), startZapAuthenticator(zmq, `${KEY.slice(0, -1)}x`, () => {})]);
  assert.equal(a.refused, b.refused, 'one shared handler');
  a.close();
  b.close();
});
