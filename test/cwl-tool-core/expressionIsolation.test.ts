/**
 * JavaScript expressions are isolated from the runner (docs/expressions-and-outputs.md, "Isolation"):
 * the escapes a security review used, a promise loop, a memory bomb, each a coded error; the runner's
 * objects unchanged; the evaluator thread replaced after a failure and never keeping a process alive.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExpressionEvaluator } from '../../src/cwl/expressions/index.js';
import { ExpressionError, ExpressionMemoryError, ExpressionTimeoutError } from '../../src/cwl/errors.js';
import { ErrorCode } from '../../src/util/errors.js';

const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'pcwl-escape-')), 'written');
const ctx = { inputs: { a: 1, list: [1, 2], rec: { b: 'x' } }, self: null, runtime: { outdir: '/out' } };
const js = new ExpressionEvaluator({ javascript: true, timeoutMs: 5000 });

/** Each tries to get the runner's `process` (or `require`) and write a file with it. */
const ESCAPES: Record<string, string> = {
  'globalThis.constructor.constructor': `\${ var p = globalThis.constructor.constructor("return process")(); p.mainModule.require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); return 1; }`,
  'this.constructor.constructor': `\${ var p = (function () { return this; }).call(undefined) || Function("return this")(); return p.constructor.constructor("return process")().pid; }`,
  'Function("return process")': '$(Function("return process")().pid)',
  'a constructor chain from a value': '$(inputs.constructor.constructor("return process")().pid)',
  'a constructor chain from an error': '${ try { null.x } catch (e) { return e.constructor.constructor("return process")().pid; } }',
  'process': '$(process.pid)',
  'require': '$(require("fs").writeFileSync("/tmp/x", "x"))',
  'module and exports': '$(module.exports)',
  'eval': '$(eval("process").pid)',
};

describe('no path from an expression to the runner', () => {
  for (const [name, expr] of Object.entries(ESCAPES)) {
    test(`${name}: ReferenceError inside the sandbox, ExpressionError outside`, () => {
      assert.throws(
        () => js.evaluate(expr, ctx),
        (e: unknown) => e instanceof ExpressionError && e.code === ErrorCode.ExpressionError && /ReferenceError: (process|require|module) is not defined/.test(e.message),
      );
      assert.equal(existsSync(marker), false);
    });
  }

  test('`this` at the top of expressionLib is the realm\'s own global: no process behind it', () => {
    const lib = new ExpressionEvaluator({ javascript: true, expressionLib: ['var P = this.constructor.constructor("return typeof process")();', 'var G = typeof this.process;'] });
    assert.equal(lib.evaluate('$(P + " " + G)', ctx), 'undefined undefined');
    const bad = new ExpressionEvaluator({ javascript: true, expressionLib: ['this.constructor.constructor("return process")().exit(3);'] });
    assert.throws(() => bad.evaluate('$(1)', ctx), (e: unknown) => e instanceof ExpressionError && /expressionLib\[0\]: ReferenceError: process is not defined/.test(e.message));
  });

  test('import() cannot load a module: a returned promise is an error, a dropped one never runs its callback', () => {
    assert.throws(() => js.evaluate('$(import("node:fs"))', ctx), (e: unknown) => e instanceof ExpressionError && /gave a Promise/.test(e.message));
    const dropped = `\${ import("node:fs").then(function (fs) { fs.writeFileSync(${JSON.stringify(marker)}, "x"); }); return "ok"; }`;
    assert.equal(js.evaluate(dropped, ctx), 'ok');
    assert.equal(js.evaluate('$(1 + 1)', ctx), 2, 'the rejected import() did not break the evaluator');
    assert.equal(existsSync(marker), false);
  });

  test('no buffers outside the heap limit: ArrayBuffer, typed arrays, WebAssembly are not defined', () => {
    assert.equal(js.evaluate('$([typeof ArrayBuffer, typeof SharedArrayBuffer, typeof Uint8Array, typeof DataView, typeof WebAssembly, typeof Atomics].join())', ctx), 'undefined,undefined,undefined,undefined,undefined,undefined');
  });

  test('expressions change copies: the runner\'s inputs stay as they were', () => {
    assert.equal(js.evaluate('${ inputs.a = 99; inputs.list.push(3); inputs.rec.b = "changed"; Object.prototype.polluted = 1; return inputs.a; }', ctx), 99);
    assert.deepEqual(ctx.inputs, { a: 1, list: [1, 2], rec: { b: 'x' } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('parameter references without JavaScript follow own properties only', () => {
    const refs = new ExpressionEvaluator({ javascript: false });
    for (const expr of ['$(inputs.constructor)', '$(inputs.rec.constructor)', '$(inputs.__proto__)', '$(inputs.rec.toString)', '$(inputs.list.constructor)']) {
      assert.throws(() => refs.evaluate(expr, ctx), (e: unknown) => e instanceof ExpressionError, expr);
    }
    // With JavaScript the reference falls back to the sandbox, whose functions become null in JSON.
    assert.equal(js.evaluate('$(inputs.constructor)', ctx), null);
  });

  test('bigint values in the context reach expressions as Numbers', () => {
    const big = { inputs: { n: 2n ** 60n, nested: [{ m: 5n }] } };
    assert.equal(js.evaluate('$(typeof inputs.n + " " + inputs.n)', big), `number ${2 ** 60}`);
    assert.equal(js.evaluate('$(inputs.nested[0].m + 1)', big), 6);
  });
});

describe('limits: time (promise loops too) and memory', () => {
  test('a promise loop is stopped by the time limit; the evaluator works afterwards', () => {
    const ev = new ExpressionEvaluator({ javascript: true, timeoutMs: 300 });
    const started = performance.now();
    assert.throws(
      () => ev.evaluate('$(Promise.resolve().then(function () { while (true) {} }))', ctx),
      (e: unknown) => e instanceof ExpressionTimeoutError && e.code === ErrorCode.ExpressionTimeout,
    );
    const took = performance.now() - started;
    // The runner terminates the evaluator at the limit (kept to within a 20 ms slice); slack for load.
    assert.ok(took >= 300 && took < 300 + 1500, `took ${took} ms`);
    assert.equal(ev.evaluate('$(inputs.a + 1)', ctx), 2);
  });

  test('an exception whose message getter never returns is stopped by the time limit too', () => {
    const ev = new ExpressionEvaluator({ javascript: true, timeoutMs: 2000 });
    const started = performance.now();
    assert.throws(() => ev.evaluate('${ throw { get message() { while (true) {} } }; }', ctx), (e: unknown) => e instanceof ExpressionTimeoutError);
    assert.throws(() => ev.evaluate('${ throw { get message() { throw 1; } }; }', ctx), (e: unknown) => e instanceof ExpressionError && /cannot be described/.test(e.message));
    assert.ok(performance.now() - started < 2000 + 1500);
  });

  test('a memory bomb is ExpressionMemoryError at once (not at the time limit); the next evaluation works', () => {
    const ev = new ExpressionEvaluator({ javascript: true, timeoutMs: 120_000, memoryMb: 64 });
    assert.equal(ev.evaluate('$(inputs.a)', ctx), 1);
    const started = performance.now();
    assert.throws(
      () => ev.evaluate('${ var a = []; while (true) a.push(new Array(100000).fill(1)); }', ctx),
      (e: unknown) => e instanceof ExpressionMemoryError && e.code === ErrorCode.ExpressionMemoryLimit && /64 MB/.test(e.message),
    );
    assert.ok(performance.now() - started < 60_000, 'reported when the heap limit is hit, long before the time limit');
    assert.equal(ev.evaluate('$(inputs.a + 2)', ctx), 3);
  });

  test('a memory limit keeps strings in the heap too', () => {
    const ev = new ExpressionEvaluator({ javascript: true, timeoutMs: 60_000, memoryMb: 32 });
    assert.throws(
      () => ev.evaluate('${ var s = []; for (var i = 0; ; i++) s.push("x".repeat(1 << 20) + i); }', ctx),
      (e: unknown) => e instanceof ExpressionMemoryError,
    );
  });
});

test('the evaluator threads never keep a process alive', { timeout: 60_000 }, async () => {
  const module = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cwl/expressions/index.js');
  const script = `import(${JSON.stringify(module)}).then(({ ExpressionEvaluator }) => { const ev = new ExpressionEvaluator({ javascript: true, timeoutMs: 200 });
    console.log(ev.evaluate('$(6 * 7)', {}));
    try { ev.evaluate('\${ while (true) {} }', {}); } catch (e) { console.log(e.code); } })`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0);
  assert.equal(out, '42\nPCWL_EXPRESSION_TIMEOUT\n');
});
