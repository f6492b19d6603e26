/**
 * Helpers every layer uses (errors and their codes, exact JSON numbers, hashing, YAML limits, the
 * build's identity): below every layer and importing none of them, so any layer may use them.
 * yamlValues.ts is imported by path, not re-exported here: it loads js-yaml, which processes that
 * never read YAML (interchange, pools, workers) should not pay for.
 */
export * from './errors.js';
export * from './exactJson.js';
export * from './hashing.js';
export * from './buildId.js';
export * from './yamlLimits.js';
export * from './packageVersion.js';
