import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionEvaluator, formatNumber, hasExpression, applySecondaryPattern } from '../../src/cwl/expressions/index.js';
import { ExpressionError, ExpressionTimeoutError } from '../../src/cwl/errors.js';
import { ErrorCode } from '../../src/util/errors.js';

const refs = new ExpressionEvaluator({ javascript: false });
const js = new ExpressionEvaluator({ javascript: true, expressionLib: ['function shout(s) { return s.toUpperCase() + "!"; }', 'var LIB_CONST = 7;'] });
const ctx = {
  inputs: { name: 'world', n: [1, 2, 3], rec: { b: 2, a: [1, 'x'] }, file: { class: 'File', path: '/data/a b.txt', basename: 'a b.txt' }, nothing: null, length: 5 },
  self: [{ class: 'File', path: '/o/x.txt', contents: 'hi' }],
  runtime: { outdir: '/out', cores: 2 },
};

describe('parameter references (concepts.md, Parameter references)', () => {
  test('a field that is one reference keeps the value type', () => {
    assert.deepEqual(refs.evaluate('$(inputs.n)', ctx), [1, 2, 3]);
    assert.equal(refs.evaluate('$(runtime.cores)', ctx), 2);
    assert.deepEqual(refs.evaluate('  $(inputs.file)\n', ctx), ctx.inputs.file);
    assert.equal(refs.evaluate('$(inputs.nothing)', ctx), null);
  });

  test('segments: .symbol, [index], single- and double-quoted keys', () => {
    assert.equal(refs.evaluate('$(self[0].contents)', ctx), 'hi');
    assert.equal(refs.evaluate("$(inputs['rec'].a[1])", ctx), 'x');
    assert.equal(refs.evaluate('$(inputs["file"].path)', ctx), '/data/a b.txt');
  });

  test("quoted keys may contain escaped quotes and spaces (param_evaluation_noexpr)", () => {
    const c = { inputs: { bar: { "b'az": true, 'b"az': null, 'b az': 2 } } };
    assert.equal(refs.evaluate("$(inputs.bar['b\\'az'])", c), true);
    assert.equal(refs.evaluate(`$(inputs.bar["b'az"]) $(inputs.bar['b"az'])`, c), 'true null');
    assert.equal(refs.evaluate("$(inputs.bar['b az'])", c), 2);
  });

  test('length is the array length only as the last key on an array; otherwise a normal key', () => {
    assert.equal(refs.evaluate('$(inputs.n.length)', ctx), 3);
    assert.equal(refs.evaluate('$(inputs.length)', ctx), 5);
    assert.throws(() => refs.evaluate('$(inputs.name.length)', ctx), (e: unknown) => e instanceof ExpressionError && e.code === ErrorCode.ExpressionError);
  });

  test('null.something, missing keys and out-of-range indexes are errors naming the expression', () => {
    for (const bad of ['$(null.something)', '$(inputs.missing)', '$(inputs.n[7])', '$(inputs.nothing.x)', '$(other.x)']) {
      assert.throws(() => refs.evaluate(bad, ctx), (e: unknown) => e instanceof ExpressionError && e.message.includes(bad), bad);
    }
  });

  test('string interpolation: strings literally, other values as JSON with sorted keys', () => {
    assert.equal(refs.evaluate('hello $(inputs.name)!', ctx), 'hello world!');
    assert.equal(refs.evaluate('n=$(inputs.n) rec=$(inputs.rec)', ctx), 'n=[1, 2, 3] rec={"a": [1, "x"], "b": 2}');
    assert.equal(refs.evaluate('$(inputs.name)$(inputs.name)', ctx), 'worldworld');
  });

  test('escapes: \\$( and \\${ are literal, \\\\ is one backslash, other backslashes stay', () => {
    assert.equal(refs.evaluate('echo \\$(date) $(inputs.name)', ctx), 'echo $(date) world');
    assert.equal(refs.evaluate('a \\\\$(inputs.name)', ctx), 'a \\world');
    assert.equal(refs.evaluate('a \\\\\\$(inputs.name)', ctx), 'a \\$(inputs.name)');
    assert.equal(refs.evaluate('\\${x} \\n $(inputs.name)', ctx), '${x} \\n world');
  });

  test('strings without $( or ${ are returned unchanged, backslashes and all', () => {
    assert.equal(refs.evaluate('a\\\\b', ctx), 'a\\\\b');
    assert.equal(hasExpression('a\\\\b'), false);
    assert.deepEqual(refs.evaluate({ not: 'a string' }, ctx), { not: 'a string' });
  });

  test('whitespace: trimmed by default, kept with preserveWhitespace', () => {
    assert.equal(refs.evaluate('  x $(inputs.name)\n', ctx), 'x world');
    assert.equal(refs.evaluate('  x $(inputs.name)\n', ctx, { preserveWhitespace: true }), '  x world\n');
  });

  test('without InlineJavascriptRequirement, JavaScript is refused with a clear error', () => {
    assert.throws(() => refs.evaluate('$(inputs.n.map(function (x) { return x; }))', ctx), /InlineJavascriptRequirement/);
    assert.throws(() => refs.evaluate('${ return 1; }', ctx), /InlineJavascriptRequirement/);
  });

  test('results are copies: changing them does not change the inputs', () => {
    const n = refs.evaluate('$(inputs.n)', ctx) as number[];
    n.push(4);
    assert.deepEqual(ctx.inputs.n, [1, 2, 3]);
  });
});

describe('JavaScript expressions (InlineJavascriptRequirement)', () => {
  test('$() is an expression and ${} a function body; expressionLib is loaded first', () => {
    assert.equal(js.evaluate('$(shout(inputs.name))', ctx), 'WORLD!');
    assert.equal(js.evaluate('${ var s = 0; for (var i = 0; i < inputs.n.length; i++) s += inputs.n[i]; return s + LIB_CONST; }', ctx), 13);
    assert.equal(js.evaluate('$(inputs.name.length)', ctx), 5);
  });

  test('parentheses and braces inside strings do not end an expression', () => {
    assert.equal(js.evaluate('$("(" + inputs.name + ")")', ctx), '(world)');
    assert.equal(js.evaluate('${ return "}" + \'{\'; }', ctx), '}{');
    assert.equal(js.evaluate('x $({"a": [1, {"b": ")"}]}.a.length) y', ctx), 'x 2 y');
  });

  test('values are of the sandbox realm (instanceof Array) and undefined becomes null', () => {
    assert.equal(js.evaluate('$(inputs.n instanceof Array)', ctx), true);
    assert.equal(js.evaluate('$(inputs.nope)', ctx), null);
    assert.equal(js.evaluate('${ }', ctx), null);
  });

  test('an expressionLib may use eval and new Function (initworkdir_expreng_requirements)', () => {
    const e = new ExpressionEvaluator({ javascript: true, expressionLib: ['var twice = new Function("x", "return x * 2");'] });
    assert.equal(e.evaluate('$(twice(eval("20")) + 2)', ctx), 42);
  });

  test('expressions run in strict mode', () => {
    assert.throws(() => js.evaluate('${ undeclared = 1; return undeclared; }', ctx), /ReferenceError/);
  });

  test('an expression cannot change the runner\'s inputs', () => {
    js.evaluate('${ inputs.n.push(99); inputs.name = "x"; return null; }', ctx);
    assert.deepEqual(ctx.inputs.n, [1, 2, 3]);
    assert.equal(js.evaluate('$(inputs.name)', ctx), 'world');
  });

  test('a thrown exception is ExpressionError naming the expression', () => {
    assert.throws(
      () => js.evaluate('${ throw new Error("boom"); }', ctx, { field: 'arguments[0]' }),
      (e: unknown) => e instanceof ExpressionError && e.code === ErrorCode.ExpressionError && /boom/.test(e.message) && /arguments\[0\]/.test(e.message),
    );
    assert.throws(() => js.evaluate('$(1 +)', ctx), /syntax error/);
  });

  test('an endless loop is stopped by the time limit: ExpressionTimeoutError', () => {
    const slow = new ExpressionEvaluator({ javascript: true, timeoutMs: 50 });
    const started = Date.now();
    assert.throws(() => slow.evaluate('${ while (true) {} }', ctx), (e: unknown) => e instanceof ExpressionTimeoutError && e.code === ErrorCode.ExpressionTimeout);
    assert.ok(Date.now() - started < 5000);
    assert.equal(slow.evaluate('$(1 + 1)', ctx), 2, 'the context is still usable afterwards');
  });

  test('fromRequirements: InlineJavascriptRequirement (requirement or hint) turns JavaScript on', () => {
    assert.equal(ExpressionEvaluator.fromRequirements([{ class: 'InlineJavascriptRequirement', expressionLib: ['var z = 3;'] }]).evaluate('$(z)', ctx), 3);
    assert.equal(ExpressionEvaluator.fromRequirements([], [{ class: 'InlineJavascriptRequirement' }]).javascript, true);
    assert.equal(ExpressionEvaluator.fromRequirements([{ class: 'ShellCommandRequirement' }]).javascript, false);
  });

  test('evaluators with the same expressionLib share one realm, so making one per step is cheap', () => {
    const lib = ['var calls = 0; function inc(x) { calls++; return x + 1; }'];
    const a = new ExpressionEvaluator({ javascript: true, expressionLib: lib });
    const b = new ExpressionEvaluator({ javascript: true, expressionLib: lib });
    assert.equal(a.evaluate('$(inc(1))', ctx), 2);
    assert.equal(b.evaluate('$(inc(1) && calls)', ctx), 2, 'b sees the context a used: expressionLib state is shared');
    const other = new ExpressionEvaluator({ javascript: true, expressionLib: ['var calls = 100; function inc(x) { return x + 10; }'] });
    assert.equal(other.evaluate('$(inc(1) + calls)', ctx), 111, 'a different expressionLib gets its own context');
  });

  test('an unclosed expression is an error', () => {
    assert.throws(() => js.evaluate('$(inputs.name', ctx), /not closed/);
  });

  test('1,000 distinct JavaScript evaluations take a few seconds at most (no subprocess per expression)', () => {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) js.evaluate(`$(inputs.n.length + ${i})`, ctx);
    // About 0.15 s here; a subprocess per expression would take minutes. Loose bound for busy CI machines.
    assert.ok(performance.now() - started < 5000);
  });
});

test('numbers are written as plain decimals, never in scientific notation', () => {
  assert.equal(formatNumber(0.00001), '0.00001');
  assert.equal(formatNumber(1.23e-5), '0.0000123');
  assert.equal(formatNumber(1e-7), '0.0000001');
  assert.equal(formatNumber(1.23e5), '123000');
  assert.equal(formatNumber(1e21), '1000000000000000000000');
  assert.equal(formatNumber(-2.5e-8), '-0.000000025');
  assert.equal(formatNumber(42), '42');
});

test('secondaryFiles patterns: ^ removes one extension each, ? marks optional', () => {
  assert.equal(applySecondaryPattern('reads.bam', '.bai'), 'reads.bam.bai');
  assert.equal(applySecondaryPattern('reads.bam', '^.bai'), 'reads.bai');
  assert.equal(applySecondaryPattern('a.tar.gz', '^^.idx'), 'a.idx');
  assert.equal(applySecondaryPattern('noext', '^.idx'), 'noext.idx');
  assert.equal(applySecondaryPattern('x.fa', '.fai?'), 'x.fa.fai');
});
