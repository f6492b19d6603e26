/**
 * How every CLI entry ends: the command's exit code becomes the process's, and an error that escaped
 * the command is reported in one line (a stack trace only with --debug). Shared by the ESM entry
 * (main.ts) and the bundled run entry (runEntry.ts) so both behave the same.
 */
import { errorReport } from './report.js';

export function settle(result: Promise<number>, argv: readonly string[]): void {
  result.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(errorReport(err, argv.includes('--debug')) + '\n');
      process.exitCode = 1;
    },
  );
}
