/**
 * Where a tool's JavaScript expressions run (CWL v1.2 "Expressions (Optional)": an isolated sandbox,
 * strict mode, expressionLib loaded first, the parameter context as globals): a realm of its own in
 * the expression evaluator thread (evaluatorThread.ts, threadSources.ts), with a time and a memory
 * limit. Values cross as JSON text, so expressions see ordinary arrays/objects of their own realm
 * (`instanceof Array` works) and nothing of the runner: not its objects, process, modules or files.
 */
import { ExpressionError, ExpressionMemoryError, ExpressionTimeoutError } from '../errors.js';
import { evaluatorThread, expressionLibId } from './evaluatorThread.js';
import { bigIntAsNumber } from '../../util/index.js';

export class JavaScriptSandbox {
  private readonly libId: number;

  constructor(
    private readonly expressionLib: readonly string[],
    private readonly timeoutMs: number,
    private readonly memoryMb: number,
  ) {
    this.libId = expressionLibId(expressionLib);
  }

  /** Start the evaluator thread in the background (see EvaluatorThread.warm). */
  warm(): void {
    evaluatorThread(this.memoryMb).warm();
  }

  /**
   * Evaluate `$(code)` (kind 'paren': an expression) or `${code}` (kind 'brace': a function body)
   * with the given parameter context; returns the JSON value (undefined and functions become null).
   */
  evaluate(kind: 'paren' | 'brace', code: string, source: string, ctx: { inputs: unknown; self: unknown; runtime: unknown }, field?: string): unknown {
    const reply = evaluatorThread(this.memoryMb).evaluate(
      { kind, code, inputs: toJson(ctx.inputs ?? {}), self: toJson(ctx.self ?? null), runtime: toJson(ctx.runtime ?? {}), timeoutMs: this.timeoutMs },
      this.libId,
      this.expressionLib,
    );
    if (reply.ok) return (JSON.parse(reply.json) as unknown[] | null)?.[0] ?? null;
    switch (reply.error) {
      case 'timeout':
        throw new ExpressionTimeoutError(source, this.timeoutMs);
      case 'memory':
        throw new ExpressionMemoryError(source, this.memoryMb);
      default:
        throw new ExpressionError(source, reply.message, { field });
    }
  }
}

/**
 * JSON text of a context value. Integers beyond 2^53 may be bigints in the runner; expressions
 * receive Numbers (as cwltool's, whose expressions see doubles). The replacer only runs when needed.
 */
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(value, bigIntAsNumber);
  }
}
