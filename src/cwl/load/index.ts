/** Loading CWL documents into the process model (src/cwl/model.ts). Experimental API: may change before 1.0. */
export { loadProcess, LoadCache } from './loader.js';
export type { LoadOptions } from './loader.js';
export { parseDocumentRef, toUri, resolveUri, uriToPath, folderUri, displayName } from './documentRef.js';
export type { DocumentRef } from './documentRef.js';
export { parseYaml, readText } from './yamlSource.js';
