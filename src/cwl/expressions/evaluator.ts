/**
 * ExpressionEvaluator: evaluates CWL parameter references and JavaScript expressions for one tool.
 *
 * Built from the requirements in force: with InlineJavascriptRequirement, `$(...)` is a JavaScript
 * expression and `${...}` a function body (run in a realm of the expression evaluator thread with
 * expressionLib loaded once, see sandbox.ts and evaluatorThread.ts; evaluators with the same
 * expressionLib share that realm); without it only parameter
 * references are allowed (concepts.md, "Parameter references"). Pure parameter references are resolved without touching vm in both modes,
 * which is most expressions in practice; in JavaScript mode a reference the fast path cannot resolve
 * (a missing key, `.length` of a string) falls back to vm so the result is what JavaScript gives.
 *
 * `evaluate(value, {inputs, self, runtime})`:
 *  - non-strings and strings without `$(`/`${` are returned unchanged;
 *  - a string that is one expression, apart from surrounding whitespace, gives the expression's
 *    value with its type (number, object, File, null...);
 *  - otherwise the expressions are interpolated into the text (interpolationText.ts), after the
 *    escapes `\$(`, `\${` and `\\` are applied (scanner.ts). By default the text is trimmed first
 *    (as the reference runner does); `preserveWhitespace` keeps it (InitialWorkDir file contents).
 * The evaluator is synchronous: this thread waits for the evaluator thread, which has a wall-clock
 * limit per evaluation (ExpressionTimeoutError) and a heap limit (ExpressionMemoryError); a thrown
 * exception becomes ExpressionError naming the expression.
 */
import type { Requirement } from '../model.js';
import { ExpressionError } from '../errors.js';
import { interpolationText } from './interpolationText.js';
import { parseParameterReference, resolveParameterReference, ParameterReferenceError } from './parameterReference.js';
import type { PathKey } from './parameterReference.js';
import { JavaScriptSandbox } from './sandbox.js';
import { hasExpression, scan } from './scanner.js';
import type { Segment } from './scanner.js';

/** The parameter context of an evaluation (concepts.md: inputs, self, runtime). */
export interface ExpressionContext {
  inputs?: Record<string, unknown>;
  /** Context-specific; null where the spec documents none. */
  self?: unknown;
  runtime?: Record<string, unknown>;
}

export interface EvaluateOptions {
  /** Named in error messages, e.g. `inputs.msg.inputBinding.valueFrom`. */
  field?: string;
  /** Keep leading/trailing whitespace of interpolated text (default: trimmed). */
  preserveWhitespace?: boolean;
}

export interface ExpressionEvaluatorOptions {
  /** InlineJavascriptRequirement in force. */
  javascript: boolean;
  expressionLib?: readonly string[];
  /** Wall-clock limit for one JavaScript evaluation, in ms (default 10,000). */
  timeoutMs?: number;
  /** Heap limit of the expression evaluator thread, in MB (default 512). */
  memoryMb?: number;
}

export const DEFAULT_EXPRESSION_TIMEOUT_MS = 10_000;
export const DEFAULT_EXPRESSION_MEMORY_MB = 512;

export class ExpressionEvaluator {
  readonly javascript: boolean;
  private readonly expressionLib: readonly string[];
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private sandbox: JavaScriptSandbox | undefined;
  private readonly refCache = new Map<string, PathKey[] | null>();

  constructor(options: ExpressionEvaluatorOptions) {
    this.javascript = options.javascript;
    this.expressionLib = options.expressionLib ?? [];
    this.timeoutMs = options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
    this.memoryMb = options.memoryMb ?? DEFAULT_EXPRESSION_MEMORY_MB;
  }

  /**
   * The evaluator for a process whose requirements (and hints) in force are given:
   * InlineJavascriptRequirement turns JavaScript on and supplies expressionLib.
   */
  static fromRequirements(requirements: readonly Requirement[] = [], hints: readonly Requirement[] = [], options?: { timeoutMs?: number; memoryMb?: number }): ExpressionEvaluator {
    const req = [...requirements, ...hints].find((r) => r.class === 'InlineJavascriptRequirement');
    const lib = req && Array.isArray(req.expressionLib) ? req.expressionLib.filter((s): s is string => typeof s === 'string') : [];
    const evaluator = new ExpressionEvaluator({ javascript: req !== undefined, expressionLib: lib, timeoutMs: options?.timeoutMs, memoryMb: options?.memoryMb });
    // A process that declares JavaScript will most likely use it: start the evaluator thread now,
    // in the background, rather than at the first expression.
    if (evaluator.javascript) evaluator.warm();
    return evaluator;
  }

  /** Start the JavaScript evaluator thread in the background (no-op once started). */
  warm(): void {
    if (!this.javascript) return;
    this.sandbox ??= new JavaScriptSandbox(this.expressionLib, this.timeoutMs, this.memoryMb);
    this.sandbox.warm();
  }

  /** True when `value` is a string that would be evaluated (contains `$(` or `${`). */
  hasExpression(value: unknown): boolean {
    return typeof value === 'string' && hasExpression(value);
  }

  /** Evaluate a field value (see the module comment for the rules). */
  evaluate(value: unknown, context: ExpressionContext, options?: EvaluateOptions): unknown {
    if (typeof value !== 'string' || !hasExpression(value)) return value;
    const trimmed = value.trim();
    const whole = scan(trimmed);
    if ('unclosedAt' in whole) throw new ExpressionError(value, `the expression starting at character ${whole.unclosedAt + 1} is not closed`, { field: options?.field });
    const only = whole.length === 1 ? whole[0] : undefined;
    if (only && only.kind !== 'text') return this.evaluateSegment(only, context, options?.field);
    const segments = options?.preserveWhitespace ? scan(value) : whole;
    if ('unclosedAt' in segments) throw new ExpressionError(value, `the expression starting at character ${segments.unclosedAt + 1} is not closed`, { field: options?.field });
    let out = '';
    for (const seg of segments) {
      out += seg.kind === 'text' ? seg.text : interpolationText(this.evaluateSegment(seg, context, options?.field));
    }
    return out;
  }

  private evaluateSegment(seg: Exclude<Segment, { kind: 'text' }>, context: ExpressionContext, field?: string): unknown {
    const ctx = { inputs: context.inputs ?? {}, self: context.self ?? null, runtime: context.runtime ?? {} };
    if (seg.kind === 'paren') {
      const keys = this.reference(seg.code);
      if (keys) {
        try {
          return copyValue(resolveParameterReference(keys, ctx));
        } catch (err) {
          if (!(err instanceof ParameterReferenceError)) throw err;
          if (!this.javascript) throw new ExpressionError(seg.source, err.message, { field });
        }
      } else if (!this.javascript) {
        throw new ExpressionError(seg.source, 'this is not a parameter reference, and JavaScript expressions need InlineJavascriptRequirement', { field });
      }
    } else if (!this.javascript) {
      throw new ExpressionError(seg.source, '${...} expressions need InlineJavascriptRequirement (write \\${ for a literal "${")', { field });
    }
    this.sandbox ??= new JavaScriptSandbox(this.expressionLib, this.timeoutMs, this.memoryMb);
    return this.sandbox.evaluate(seg.kind, seg.code, seg.source, ctx, field);
  }

  private reference(code: string): PathKey[] | null {
    let keys = this.refCache.get(code);
    if (keys === undefined) {
      keys = parseParameterReference(code);
      this.refCache.set(code, keys);
    }
    return keys;
  }
}

/** The fast path hands out copies, as the evaluator thread does, so callers may change results freely. */
function copyValue(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? structuredClone(v) : v === undefined ? null : v;
}
