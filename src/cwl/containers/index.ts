/**
 * Containers for CWL tools (CWL v1.2 §DockerRequirement): the engine/image contract (types.ts) and
 * making images available on a node (images.ts). docs/containers.md tells how images are found,
 * pulled, built, loaded and converted.
 */
export type { ContainerEngine, EngineName, ImageContext, ImageRequest } from './types.js';
export { FAILURE_MEMORY_MS, apptainerConversion, cacheFolder, engineMessage, ensureImage } from './images.js';
export { apptainerBuildArgv, apptainerSourceUri, ociImageArgv, sifPath, type ApptainerSource } from './imageCommands.js';
export { isImageId, normaliseImageName } from './names.js';
