/**
 * Defaults of the config file, in one place. Executor and provider defaults are the components'
 * own (HTEX_DEFAULTS, LOCAL_PROVIDER_DEFAULTS, SLURM_DEFAULTS): the file and TypeScript callers get
 * the same values.
 */
import type { LocalExecutorSection, LocalProviderSection } from './types.js';

/** No `executor:` section: the local executor, as without --config. */
export const DEFAULT_EXECUTOR: LocalExecutorSection = { type: 'local' };

/** An `htex` executor without `provider:` runs its pools on this machine. */
export const DEFAULT_HTEX_PROVIDER: LocalProviderSection = { type: 'local' };

export const DEFAULT_RETRIES = 0;
