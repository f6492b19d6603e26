/** Errors of the command line itself (the run command's own folders); see src/util/errors.ts. */
import { ErrorCode, ParslCwlError } from '../util/index.js';

/** Thrown when the run's temporary folder cannot be made from `--tmpdir-prefix`. */
export class TmpdirUnusableError extends ParslCwlError {
  constructor(readonly prefix: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.TmpdirUnusable, `--tmpdir-prefix ${prefix}: cannot make the run's folder there: ${reason}; give a prefix inside an existing, writable folder`, {
      cause: options?.cause,
      data: { prefix },
    });
  }
}

/** Thrown when the run's record folder (--run-dir, or the state folder) cannot be made. */
export class RunDirUnusableError extends ParslCwlError {
  constructor(readonly dir: string, reason: string, hint = 'give --run-dir a new folder in a writable place') {
    super(ErrorCode.RunDirUnusable, `cannot keep the run record in ${dir}: ${reason}; ${hint}`, { data: { dir } });
  }
}
