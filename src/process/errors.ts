/**
 * Errors of the process layer: a process that could not be started, a process whose starter died
 * under it, and a setting of this layer that cannot be used. One class per failure kind; the
 * layers above turn the first two into their own terms (a CWL StagingError, a WorkerLost).
 */
import { ErrorCode, ParslCwlError } from '../util/index.js';

/** Which part of starting a process failed. */
export type StartStep = 'cwd' | 'stdin' | 'stdout' | 'stderr' | 'program';

/** The process did not start: its working directory, a stream or the program could not be used. */
export class ProcessStartFailedError extends ParslCwlError {
  constructor(
    readonly step: StartStep,
    /** The file the step was about (the directory, the stream's file, the program as given). */
    readonly file: string,
    /** An errno name (ENOENT, EACCES, ...). */
    readonly errno: string,
  ) {
    super(ErrorCode.ProcessStartFailed, `cannot ${step === 'program' ? 'run' : step === 'cwd' ? 'enter the working directory' : `open the ${step} file`} '${file}': ${errno}`, {
      data: { step, file, errno },
    });
  }
}

/** What started the process (the native spawner) died while it ran; its process group was killed. */
export class ProcessLostError extends ParslCwlError {
  constructor(readonly why: string) {
    super(ErrorCode.ProcessLost, `${why} while the process ran; its process group was killed`, { data: { why } });
  }
}

/**
 * An environment variable parsl-cwl reads (PARSL_CWL_SPAWNER, ...) has a value it cannot use. Code
 * PCWL_CONFIG_INVALID: the environment is configuration too.
 */
export class EnvironmentSettingError extends ParslCwlError {
  constructor(readonly variable: string, value: string, problem: string) {
    super(ErrorCode.ConfigInvalid, `environment variable ${variable}='${value}': ${problem}`, { data: { variable } });
  }
}
