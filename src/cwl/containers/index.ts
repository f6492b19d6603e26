/**
 * Running a tool's command in a container (issue 14): engines and their run argv (engines.ts), the
 * per-job choices, binds and clean-up (containerJob.ts), the settings carried in the JobSpec
 * (settings.ts) and images (images.ts). docs/containers.md.
 */
export type { ContainerEngine, EngineName, ImageContext, ImageRequest } from './types.js';
export { DEFAULT_CONTAINER_SETTINGS, type ContainerMode, type ContainerSettings } from './settings.js';
export { CONTAINER_LABEL, MountPathError, findEngine, onPath, programsLookedFor, removeArgv, runArgv, type ContainerRun, type Mount } from './engines.js';
export { ContainerReaper, chooseContainer, containerName, inputPaths, jobMounts, type ContainerChoice } from './containerJob.js';
export { ensureImage } from './images.js';
