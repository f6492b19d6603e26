export { loadTool, lazyTool } from './loadTool.js';
export type { CwlApp, CwlAppInfo, LoadToolOptions, Tool } from './loadTool.js';
export { commandTemplate } from './commandTemplate.js';
export { submitJob, reuseAllowed, toolIdentity } from './jobApp.js';
export type { SubmitJobOptions } from './jobApp.js';
