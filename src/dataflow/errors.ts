/**
 * Errors of the DataFlowKernel: a task that could not run because a dependency failed, a bash app
 * whose command failed, and misuse of the kernel (shut down, wrong state, bad config).
 */
import { ErrorCode, ParslCwlError, registerRemoteError } from '../util/index.js';

/**
 * Thrown (as the task's rejection) when a task could not run because a future among its arguments
 * failed. Names the root failed task: when the failed dependency itself failed on a dependency, the
 * chain is followed down to the task whose own execution failed. `cause` is that root error.
 */
export class DependencyError extends ParslCwlError {
  constructor(
    readonly taskId: number,
    readonly appName: string,
    readonly rootTaskId: number,
    readonly rootAppName: string,
    /** Task ids of the direct dependencies that failed. */
    readonly failedDependencies: number[],
    rootError: unknown,
  ) {
    const why = rootError instanceof Error ? rootError.message : String(rootError);
    super(
      ErrorCode.DependencyFailed,
      `task ${taskId} (${appName}) did not run: its dependency task ${rootTaskId} (${rootAppName}) failed: ${why}`,
      { cause: rootError, data: { taskId, appName, rootTaskId, rootAppName, failedDependencies } },
    );
  }
}

/** Thrown when a bash app's command exits with a non-zero code (Parsl's BashExitFailure). */
export class BashExitFailure extends ParslCwlError {
  constructor(
    readonly appName: string,
    readonly exitCode: number,
    readonly command: string,
    readonly stderrPath?: string,
  ) {
    super(
      ErrorCode.BashExitFailure,
      `bash app '${appName}' exited with code ${exitCode}${stderrPath ? `; see its stderr in ${stderrPath}` : '; pass { stderr: FILE } to keep its stderr'}`,
      { data: { appName, exitCode, command, stderrPath } },
    );
  }
}

/** Thrown for tasks submitted after shutdown, and for tasks cancelled by a cancelling shutdown. */
export class KernelShutDownError extends ParslCwlError {
  constructor(readonly taskId: number | undefined, reason: string) {
    super(ErrorCode.KernelShutDown, `${taskId !== undefined ? `task ${taskId}: ` : ''}${reason}`, { data: { taskId } });
  }
}

/** Thrown when the kernel is used in a way its state does not allow (e.g. no current kernel). */
export class KernelStateError extends ParslCwlError {
  constructor(reason: string) {
    super(ErrorCode.KernelState, reason);
  }
}

/** Thrown when a kernel configuration value is out of range or inconsistent. */
export class KernelConfigError extends ParslCwlError {
  constructor(readonly field: string, reason: string) {
    super(ErrorCode.ConfigInvalid, `kernel config '${field}': ${reason}`, { data: { field } });
  }
}

registerRemoteError(ErrorCode.BashExitFailure, (j) => {
  const d = j.data ?? {};
  return new BashExitFailure(String(d.appName), Number(d.exitCode), String(d.command ?? ''), d.stderrPath === undefined ? undefined : String(d.stderrPath));
});

/** No run record in a folder given to readRunRecord (no run.json). */
export class RunRecordMissingError extends ParslCwlError {
  constructor(readonly dir: string) {
    super(ErrorCode.RunRecordMissing, `${dir} holds no run record (no run.json): give a run's folder, e.g. runinfo/000 or one under ~/.local/state/parsl-cwl/runs/`, { data: { dir } });
  }
}

/** A run record's run.json that cannot be read as one (not JSON, another format). */
export class RunRecordInvalidError extends ParslCwlError {
  constructor(readonly file: string, what: string) {
    super(ErrorCode.RunRecordInvalid, `${file} ${what}; read it with the parsl-cwl that wrote it`, { data: { file } });
  }
}
