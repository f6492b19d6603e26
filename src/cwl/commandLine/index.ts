/**
 * Command-line binding: the command line a tool's bound inputs make (build.ts), the input files'
 * contents and secondary files (inputFiles.ts), and matching values to CWL types (typeMatch.ts).
 */
export { buildCommandLine, withDeclaredInputs } from './build.js';
export type { CommandLine, BuildCommandLineOptions } from './build.js';
export { loadInputContents, resolveInputSecondaryFiles, readContents, localPath, LOAD_CONTENTS_LIMIT } from './inputFiles.js';
export { valueMatchesType, matchingType, shortName } from './typeMatch.js';
