export { SlurmProvider, parseSacct, parseSqueue } from './slurmProvider.js';
export type { SlurmProviderOptions, ResolvedSlurmOptions } from './slurmOptions.js';
export { SLURM_DEFAULTS, parseWalltime, formatWalltime, resolveSlurmOptions } from './slurmOptions.js';
export { renderBatchScript } from './batchScript.js';
export { blockStateOf } from './jobStates.js';
export { SLURM_PROVIDER_JSON_SCHEMA, LAUNCHER_JSON_SCHEMA, BLOCK_SCALING_JSON_PROPERTIES, slurmOptionsFromSection, slurmProviderFromSection } from './slurmConfig.js';
export type { SlurmProviderSection } from './slurmConfig.js';
