/**
 * Errors of the provider layer: submitting, polling and cancelling blocks. One class per failure
 * kind; the Slurm provider adds its own below.
 */
import { ErrorCode, ParslCwlError } from '../util/index.js';

/** Thrown when a provider could not start a block. */
export class SubmitFailedError extends ParslCwlError {
  constructor(readonly provider: string, readonly jobName: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.SubmitFailed, `${provider} provider: block ${jobName} could not be started: ${reason}`, { ...options, data: { provider, jobName } });
  }
}

/** Thrown when a resource-manager command (sbatch, squeue, sacct, scancel) exits non-zero or cannot start. */
export class ProviderCommandFailedError extends ParslCwlError {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    const said = stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
    super(
      ErrorCode.ProviderCommandFailed,
      `'${command}' ${exitCode === undefined ? 'could not run' : `exited with ${exitCode}`}${said}; ` +
        'is the resource manager reachable from this host and its commands on PATH?',
      { cause: options?.cause, data: { command, exitCode, stderr } },
    );
  }
}

/** Thrown when a resource-manager command does not finish within the provider's cmd_timeout. */
export class ProviderCommandTimeoutError extends ParslCwlError {
  constructor(
    readonly command: string,
    readonly timeoutSec: number,
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.ProviderCommandTimeout,
      `'${command}' did not finish within ${timeoutSec} s (cmd_timeout); the controller may be overloaded: raise cmd_timeout or retry later`,
      { cause: options?.cause, data: { command, timeoutSec } },
    );
  }
}

/** Thrown when a provider or launcher option is invalid (a walltime that is not HH:MM:SS, a negative block count...). */
export class ProviderOptionInvalidError extends ParslCwlError {
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(ErrorCode.ConfigInvalid, `provider option '${option}': ${reason}`, { data: { option } });
  }
}
