/**
 * The provider layer's face: the ExecutionProvider and Launcher interfaces, the LocalProvider, the
 * launchers, and the errors providers raise. Slurm has its own face (slurm/index.ts), not
 * re-exported here, so that a local pool or a config without Slurm does not load it.
 */
export type { BlockState, BlockStatus, SubmitRequest, ExecutionProvider, Launcher } from './provider.js';
export { TERMINAL_BLOCK_STATES } from './provider.js';
export { LocalProvider, LOCAL_PROVIDER_DEFAULTS } from './local.js';
export type { LocalProviderOptions } from './local.js';
export { SingleNodeLauncher, SimpleLauncher, SrunLauncher, createLauncher } from './launchers.js';
export type { LauncherOptions } from './launchers.js';
export { SubmitFailedError, ProviderCommandFailedError, ProviderCommandTimeoutError, ProviderOptionInvalidError } from './errors.js';
