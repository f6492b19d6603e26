export { SlurmProvider, parseSacct, parseSqueue } from './slurmProvider.js';
export type { SlurmProviderOptions, ResolvedSlurmOptions } from './slurmOptions.js';
export { SLURM_DEFAULTS, parseWalltime, formatWalltime, resolveSlurmOptions } from './slurmOptions.js';
export { renderBatchScript } from './batchScript.js';
export { blockStateOf } from './jobStates.js';
