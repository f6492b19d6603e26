/** CWL expressions: parameter references and JavaScript, evaluated in-process (see evaluator.ts). */
export { ExpressionEvaluator, DEFAULT_EXPRESSION_TIMEOUT_MS } from './evaluator.js';
export type { ExpressionContext, EvaluateOptions, ExpressionEvaluatorOptions } from './evaluator.js';
export { hasExpression } from './scanner.js';
export { interpolationText, formatNumber } from './interpolationText.js';
export { applySecondaryPattern, secondaryFileCandidates } from './secondaryFilePattern.js';
export type { SecondaryFileCandidate } from './secondaryFilePattern.js';
