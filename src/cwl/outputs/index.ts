/** Output collection for CommandLineTools and ExpressionTools (see collect.ts). */
export { collectOutputs, runExpressionTool, typeText } from './collect.js';
export type { CollectOutputsOptions } from './collect.js';
export { describeFile, describeDirectory, sha1File, nameParts, writeLiteral } from './fileObjects.js';
export { globOutdir } from './glob.js';
export { expandFormat } from './format.js';
