import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sha1Hex } from '../../src/util/hashing.js';

const reference = (data: string | Uint8Array) => createHash('sha1').update(data).digest('hex');

test('sha1Hex equals node:crypto at every padding boundary and across the small/large switch', () => {
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_000]) {
    const bytes = randomBytes(n);
    assert.equal(sha1Hex(bytes), reference(bytes), `${n} bytes`);
  }
});

test('sha1Hex of random lengths and of text (UTF-8) equals node:crypto', () => {
  for (let i = 0; i < 300; i++) {
    const bytes = randomBytes(Math.floor(Math.random() * 3000));
    assert.equal(sha1Hex(bytes), reference(bytes));
  }
  for (const text of ['', 'abc', 'cwlVersion: v1.2\n', 'é — ✓ 🙂 naïve', 'x'.repeat(70_000)]) {
    assert.equal(sha1Hex(text), reference(text), JSON.stringify(text.slice(0, 20)));
  }
  // The FIPS 180-4 example.
  assert.equal(sha1Hex('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
});
