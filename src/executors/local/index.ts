export { LocalExecutor } from './localExecutor.js';
export type { LocalExecutorOptions } from './localExecutor.js';
