export { loadConfig, loadConfigFile, validateConfig, buildFromConfig, containerSettings } from './loadConfig.js';
export type { BuiltConfig, ContainersConfig } from './loadConfig.js';
export { CONFIG_JSON_SCHEMA } from './schema.js';
export { DEFAULT_EXECUTOR, DEFAULT_HTEX_PROVIDER, DEFAULT_RETRIES } from './defaults.js';
export { ConfigInvalidError } from './errors.js';
export type { ParslCwlConfig, ContainersSection, HtexSection, LocalExecutorSection, LocalProviderSection, LauncherSection, StrategySection } from './types.js';
