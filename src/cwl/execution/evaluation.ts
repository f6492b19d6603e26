/**
 * How execution evaluates CWL expressions and parameter references: one small function type, so
 * staging, runtime and InitialWorkDir code does not depend on how the evaluator is built.
 */
export interface EvalContext {
  inputs: Record<string, unknown>;
  self: unknown;
  runtime: Record<string, unknown>;
}

export interface EvalOptions {
  /** Named in error messages. */
  field?: string;
  /** Keep leading/trailing whitespace of interpolated text. */
  preserveWhitespace?: boolean;
}

/**
 * Evaluate `text` (a `$(...)` reference, a `${...}` body, or a string to interpolate); in practice
 * ExpressionEvaluator.evaluate (src/cwl/expressions) bound to the tool's evaluator.
 */
export type Evaluate = (text: string, ctx: EvalContext, options?: EvalOptions) => unknown;

/** True when a string contains something to evaluate (`$(` or `${`), per CWL v1.2 §Expressions. */
export function isExpression(text: unknown): text is string {
  return typeof text === 'string' && (text.includes('$(') || text.includes('${'));
}
