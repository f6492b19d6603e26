/**
 * Runs one Slurm client command (sbatch, squeue, sacct, scancel) with execa: bounded by
 * cmd_timeout, cancelled by an AbortSignal, and turned into a provider error on failure. These
 * are rare, cold calls, so their output is piped and read.
 */
import { ProviderCommandFailedError, ProviderCommandTimeoutError } from '../errors.js';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CommandOptions {
  timeoutSec: number;
  signal?: AbortSignal;
  /** Non-zero exits are returned instead of thrown (the caller reads stderr). */
  allowFailure?: boolean;
}

export async function runSlurmCommand(file: string, args: string[], options: CommandOptions): Promise<CommandOutput> {
  options.signal?.throwIfAborted();
  const commandLine = [file, ...args].join(' ');
  // Loaded on first use: importing the provider (or the package) stays cheap.
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    timeout: options.timeoutSec * 1000,
    cancelSignal: options.signal,
    reject: false,
    stdin: 'ignore',
    // SIGTERM first; a client stuck in a syscall gets SIGKILL after 2 s.
    forceKillAfterDelay: 2000,
  });
  if (result.isCanceled) throw options.signal?.reason ?? new Error(`${commandLine}: aborted`);
  if (result.timedOut) throw new ProviderCommandTimeoutError(commandLine, options.timeoutSec, { cause: result });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.exitCode === undefined) throw new ProviderCommandFailedError(commandLine, undefined, stderr || (result.message ?? "could not start"), { cause: result.cause });
  if (result.exitCode !== 0 && !options.allowFailure) throw new ProviderCommandFailedError(commandLine, result.exitCode, stderr);
  return { stdout, stderr, exitCode: result.exitCode };
}
