/**
 * The command line's face. The commands are entered through main.ts (`parsl-cwl`, unbundled) and
 * runEntry.ts (the bundled run path), not imported; no layer imports the CLI. What a caller of
 * the installed command may rely on: the exit codes and how an error maps to one.
 */
export { ExitCode, exitCodeFor } from './exitCodes.js';
export { TmpdirUnusableError } from './errors.js';
