/** CWL expressions: parameter references in-process, JavaScript in an isolated thread (see evaluator.ts). */
export { ExpressionEvaluator, DEFAULT_EXPRESSION_TIMEOUT_MS, DEFAULT_EXPRESSION_MEMORY_MB } from './evaluator.js';
export { stopExpressionThreads } from './evaluatorThread.js';
export type { ExpressionContext, EvaluateOptions, ExpressionEvaluatorOptions } from './evaluator.js';
export { hasExpression } from './scanner.js';
export { interpolationText, formatNumber } from './interpolationText.js';
export { applySecondaryPattern, secondaryFileCandidates } from './secondaryFilePattern.js';
export type { SecondaryFileCandidate } from './secondaryFilePattern.js';
