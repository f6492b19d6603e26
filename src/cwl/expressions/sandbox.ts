/**
 * One `node:vm` context in which a tool's JavaScript expressions run (CWL v1.2 "Expressions
 * (Optional)": an isolated sandbox, strict mode, expressionLib loaded first, the parameter context as
 * globals). Values cross the boundary as JSON text and are parsed inside the context, so expressions
 * see ordinary arrays/objects of their own realm (`instanceof Array` works) and cannot reach or
 * mutate the runner's objects. A wall-clock limit per evaluation is enforced by vm's `timeout`.
 */
import vm from 'node:vm';
import { ExpressionError, ExpressionTimeoutError } from '../errors.js';
import { bigIntAsNumber } from '../../exactJson.js';

/** Globals through which the parameter context is handed in (JSON text). */
const IN = '__pcwl_inputs';
const SELF = '__pcwl_self';
const RUNTIME = '__pcwl_runtime';

const prologue = `var inputs = JSON.parse(${IN}), self = JSON.parse(${SELF}), runtime = JSON.parse(${RUNTIME});\n`;

export class JavaScriptSandbox {
  private readonly context: vm.Context;
  private readonly scripts = new Map<string, vm.Script>();

  constructor(
    expressionLib: readonly string[],
    private readonly timeoutMs: number,
  ) {
    // Code generation from strings stays allowed: expressionLibs in the wild use eval/new Function
    // (conformance initworkdir_expreng_requirements), and the context is isolated either way.
    this.context = vm.createContext({}, { name: 'cwl-expressions' });
    for (const [i, lib] of expressionLib.entries()) {
      this.run(lib, () => new vm.Script(lib, { filename: `expressionLib[${i}]` }), `expressionLib[${i}]`);
    }
  }

  /**
   * Evaluate `$(code)` (kind 'paren': an expression) or `${code}` (kind 'brace': a function body)
   * with the given parameter context; returns the JSON value (undefined and functions become null).
   */
  evaluate(kind: 'paren' | 'brace', code: string, source: string, ctx: { inputs: unknown; self: unknown; runtime: unknown }, field?: string): unknown {
    const key = `${kind}\u0000${code}`;
    let script = this.scripts.get(key);
    if (!script) {
      const body = kind === 'paren' ? `return (${code}\n);` : code;
      const text = `${prologue}JSON.stringify([(function () { "use strict";\n${body}\n})()]);`;
      try {
        script = new vm.Script(text, { filename: 'expression' });
      } catch (err) {
        throw new ExpressionError(source, `syntax error: ${messageOf(err)}`, { cause: err, field });
      }
      this.scripts.set(key, script);
    }
    const c = this.context as Record<string, unknown>;
    // Expressions get Numbers, also for exact (BigInt) integers, as cwltool's get doubles.
    c[IN] = JSON.stringify(ctx.inputs ?? {}, bigIntAsNumber);
    c[SELF] = JSON.stringify(ctx.self ?? null, bigIntAsNumber);
    c[RUNTIME] = JSON.stringify(ctx.runtime ?? {});
    const compiled = script;
    const out = this.run(source, () => compiled, source, field);
    if (typeof out !== 'string') return null;
    const parsed = JSON.parse(out) as unknown[];
    return parsed[0] ?? null;
  }

  private run(source: string, compile: () => vm.Script, label: string, field?: string): unknown {
    let script: vm.Script;
    try {
      script = compile();
    } catch (err) {
      throw new ExpressionError(source, `syntax error in ${label}: ${messageOf(err)}`, { cause: err, field });
    }
    try {
      return script.runInContext(this.context, { timeout: this.timeoutMs, displayErrors: false });
    } catch (err) {
      if ((err as { code?: unknown })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new ExpressionTimeoutError(source, this.timeoutMs);
      // No `cause`: the message already carries the exception's text, and the object is of another realm.
      throw new ExpressionError(source, messageOf(err), { field });
    }
  }
}

/** Errors from inside the context are of another realm, so `instanceof Error` does not hold. */
function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    const name = (err as { name?: unknown }).name;
    return `${typeof name === 'string' ? `${name}: ` : ''}${(err as { message: string }).message}`;
  }
  return String(err);
}
