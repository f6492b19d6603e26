/**
 * Errors of the provider layer: submitting, polling and cancelling blocks (Slurm jobs, local
 * process groups). One class per failure kind; each names the provider label, the command and what
 * the resource manager said, and what to do.
 */
import { ErrorCode, ParslCwlError } from '../errors.js';

/** Thrown when the resource manager refuses a block (sbatch exits non-zero or prints no job id). */
export class SubmitFailedError extends ParslCwlError {
  constructor(
    readonly label: string,
    readonly jobName: string,
    reason: string,
    options?: { cause?: unknown; scriptPath?: string },
  ) {
    super(
      ErrorCode.SubmitFailed,
      `provider '${label}': submitting block ${jobName} failed: ${reason}` +
        (options?.scriptPath ? `; the batch script is ${options.scriptPath}` : '') +
        '; check the provider options (partition, account, qos, walltime, scheduler_options)',
      { cause: options?.cause, data: { label, jobName, scriptPath: options?.scriptPath } },
    );
  }
}

/** Thrown when a resource-manager command (squeue, sacct, scancel, sbatch...) exits non-zero or cannot start. */
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
