/** The input object of a process: job files, command-line inputs, defaults, File/Directory values, validation. Experimental API: may change before 1.0. */
export { loadJobFile } from './jobFile.js';
export type { JobFile } from './jobFile.js';
export { parseCommandLineInputs } from './commandLineInputs.js';
export type { CommandLineInputOptions } from './commandLineInputs.js';
export { prepareInputs } from './prepareInputs.js';
export type { PrepareInputsOptions } from './prepareInputs.js';
export { normaliseFileValues } from './fileValues.js';
export type { FileValueContext } from './fileValues.js';
export { inputObjectSchema, typeSchema } from './inputSchema.js';
export { typeText, isOptional } from './typeText.js';
