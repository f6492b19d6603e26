/**
 * Exact numbers (src/util/exactJson.ts, src/util/yamlValues.ts) and the YAML reading limits (src/util/yamlLimits.ts):
 * integers outside Number's safe range survive parsing and printing; a YAML alias bomb is refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { hasLongDigitRun, parseJson, stringifyJson, bigIntAsNumber, bigIntsAsNumbers, containsBigInt } from '../../src/util/exactJson.js';
import { exactYaml4Schema } from '../../src/util/yamlValues.js';
import { yamlLimitBroken, DEFAULT_YAML_LIMITS } from '../../src/util/yamlLimits.js';
import { parseYaml } from '../../src/cwl/load/yamlSource.js';
import { DocumentLimitError } from '../../src/cwl/errors.js';
import { ErrorCode } from '../../src/util/errors.js';
import { memoKey } from '../../src/dataflow/memoKey.js';
import { decodeToPool, encode } from '../../src/executors/htex/protocol.js';

const BIG = 9007199254740993n; // 2^53 + 1: the first integer a Number cannot hold

/** An alias bomb: each level lists the one above nine times, nine levels deep (9^9 leaves). */
function aliasBomb(levels = 9): string {
  const lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

describe('exact JSON', () => {
  test('an integer outside the safe range parses to a BigInt; safe integers and floats stay Numbers', () => {
    const v = parseJson('{"n": 9007199254740993, "m": -1000000000000000000000000000000000000000000, "s": 42, "f": 4.2, "e": 1e42, "big_float": 12345678901234567.5}') as Record<string, unknown>;
    assert.equal(v.n, BIG);
    assert.equal(v.m, -(10n ** 42n));
    assert.equal(v.s, 42);
    assert.equal(v.f, 4.2);
    // 1e42 is a float literal (a Python float too): a Number.
    assert.equal(v.e, 1e42);
    assert.equal(v.big_float, 12345678901234567.5);
  });

  test('text without a long digit run takes JSON.parse and gives the same value', () => {
    const text = '{"a": [1, 2.5, "x", null, true], "b": {"c": -7}}';
    assert.deepEqual(parseJson(text), JSON.parse(text));
  });

  test('the digit-run scan agrees with /\\d{16}/ on random text', () => {
    const alphabet = '0123456789012345678901234567890123456789a ,."';
    for (let k = 0; k < 2000; k++) {
      let text = '';
      const length = Math.floor(Math.random() * 80);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(Math.random() * alphabet.length)];
      assert.equal(hasLongDigitRun(text), /\d{16}/.test(text), JSON.stringify(text));
    }
    assert.ok(hasLongDigitRun('x'.repeat(15) + '1'.repeat(16)));
    assert.ok(!hasLongDigitRun('1'.repeat(15) + 'x' + '1'.repeat(15)));
  });

  test('duplicate keys keep the last value as JSON.parse does, also on the exact path', () => {
    assert.deepEqual(parseJson('{"a": 1, "a": 9007199254740993}'), { a: BIG });
  });

  test('malformed JSON is a SyntaxError on both paths', () => {
    assert.throws(() => parseJson('{"a": 1'), SyntaxError);
    assert.throws(() => parseJson('{"a": 9007199254740993'), SyntaxError);
  });

  test('printing writes BigInts as their digits, with the indentation JSON.stringify uses', () => {
    const value = { n: BIG, list: [1, 10n ** 42n], s: 'x' };
    assert.equal(stringifyJson(value), '{"n":9007199254740993,"list":[1,1000000000000000000000000000000000000000000],"s":"x"}');
    assert.equal(stringifyJson({ n: BIG, list: [1] }, 4), '{\n    "n": 9007199254740993,\n    "list": [\n        1\n    ]\n}');
    assert.equal(stringifyJson({ a: 1, b: undefined }), '{"a":1}');
    assert.deepEqual(parseJson(stringifyJson(value)), value);
  });

  test('expressions get Numbers: the replacer and the copy turn BigInts into the nearest Number', () => {
    assert.equal(JSON.stringify({ n: BIG }, bigIntAsNumber), '{"n":9007199254740992}');
    assert.deepEqual(bigIntsAsNumbers({ a: [BIG] }), { a: [9007199254740992] });
    assert.ok(containsBigInt({ a: [{ b: BIG }] }));
    assert.ok(!containsBigInt({ a: [{ b: 1 }] }));
  });

  test('memo keys tell 2^53 + 1 from 2^53', async () => {
    assert.notEqual(await memoKey('app', { n: BIG }), await memoKey('app', { n: BIG - 1n }));
    assert.equal(await memoKey('app', { n: BIG }), await memoKey('app', { n: BIG }));
  });

  test('an HTEX frame carries a BigInt exactly', () => {
    const spec = { fn: 'x', args: [{ inputs: { n: BIG } }] } as never;
    const decoded = decodeToPool(encode({ type: 'tasks', tasks: [{ id: 1, taskId: 1, attempt: 0, spec }] }));
    assert.equal(decoded.type, 'tasks');
    assert.deepEqual((decoded as { tasks: { spec: unknown }[] }).tasks[0]?.spec, { fn: 'x', args: [{ inputs: { n: BIG } }] });
  });
});

describe('exact YAML', () => {
  test('js-yaml 5 (documents, job files): unsafe integers are BigInts, in every integer form', () => {
    const v = parseYaml('n: 9007199254740993\nneg: -9007199254740993\nplus: +9007199254740993\nhex: 0x20000000000001\nsafe: 42\nf: 4.2\ne: 1e42\n', 'job.yml');
    assert.deepEqual(v, { n: BIG, neg: -BIG, plus: BIG, hex: BIG, safe: 42, f: 4.2, e: 1e42 });
  });

  test('js-yaml 4 (the lenient path and the test lists): the same', () => {
    const yaml4 = createRequire(import.meta.url)('js-yaml-4') as { load(text: string, options: { schema: unknown }): unknown };
    assert.deepEqual(yaml4.load('n: 9007199254740993\nd: 1000000000000000000000000000000000000000000\ns: 7\nf: 2.5\n', { schema: exactYaml4Schema() }), {
      n: BIG,
      d: 10n ** 42n,
      s: 7,
      f: 2.5,
    });
  });

  test('text js-yaml 5 rejects and js-yaml 4 reads (the lenient path) keeps integers exact', () => {
    // A flow sequence continued at the key's indentation: js-yaml 5 says "deficient indentation".
    const v = parseYaml('a: [1,\n2]\nn: 9007199254740993\n', 'lenient.yml');
    assert.deepEqual(v, { a: [1, 2], n: BIG });
  });
});

describe('YAML reading limits', () => {
  test('a real alias bomb is refused fast with PCWL_DOCUMENT_LIMIT naming the file and the limit', () => {
    const started = process.hrtime.bigint();
    assert.throws(
      () => parseYaml(aliasBomb(), 'bomb.yml'),
      (err: unknown) => err instanceof DocumentLimitError && err.code === ErrorCode.DocumentLimit && /bomb\.yml: aliases expand it to a size of \d+, more than the limit of 268435456/.test(err.message),
    );
    // The check is linear in the file: far below what walking 9^9 values would take.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 5000);
  });

  test('a scalar alias repeated past the expanded size counts too', () => {
    const text = `s: &s "${'x'.repeat(1000)}"\nlist: [${Array(2000).fill('*s').join(', ')}]\n`;
    assert.match(yamlLimitBroken(text, parseYaml(text, 'ok.yml'), { ...DEFAULT_YAML_LIMITS, maxExpandedSize: 1_000_000 }) ?? '', /expand it to a size of 200\d{4}/);
  });

  test('too many aliases, and too much text, are refused', () => {
    const text = `a: &a [1]\nlist: [${Array(20).fill('*a').join(', ')}]\n`;
    assert.match(yamlLimitBroken(text, parseYaml(text, 'a.yml'), { ...DEFAULT_YAML_LIMITS, maxAliases: 10 }) ?? '', /^20 aliases is more than the limit of 10$/);
    assert.throws(() => parseYaml('a: 1\n'.repeat(10), 'big.yml', { ...DEFAULT_YAML_LIMITS, maxChars: 20 }), (err: unknown) => err instanceof DocumentLimitError && /big\.yml: 50 characters is more than the limit of 20/.test(err.message));
  });

  test('ordinary anchors and aliases, and files without any, pass', () => {
    assert.deepEqual(parseYaml('a: &x {b: 1}\nc: *x\nurl: "http://h/?a=1&b=2"\n', 'ok.yml'), { a: { b: 1 }, c: { b: 1 }, url: 'http://h/?a=1&b=2' });
    assert.equal(yamlLimitBroken('a: 1\n', { a: 1 }), undefined);
  });
});
