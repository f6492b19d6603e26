/**
 * The one place where error codes become process exit codes (cwl-runner conventions):
 * 0 success, 1 any failure (invalid document or inputs, tool or workflow failure),
 * 33 an unsupported requirement, 2 a usage error of the command line itself.
 */
import { ErrorCode, ParslCwlError } from '../util/index.js';

export const ExitCode = {
  Success: 0,
  Failure: 1,
  Usage: 2,
  Unsupported: 33,
  /** Interrupted by SIGINT/SIGTERM (128 + signal number is what shells report). */
  Interrupted: 130,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof ParslCwlError) {
    if (err.code === ErrorCode.UnsupportedRequirement) return ExitCode.Unsupported;
    if (err.code === ErrorCode.UsageError) return ExitCode.Usage;
    // A failure whose root cause is an unsupported requirement is still "unsupported".
    let cause: unknown = err.cause;
    while (cause instanceof ParslCwlError) {
      if (cause.code === ErrorCode.UnsupportedRequirement) return ExitCode.Unsupported;
      cause = cause.cause;
    }
  }
  return ExitCode.Failure;
}
