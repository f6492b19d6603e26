/**
 * Errors of the executor layer: how a task's execution failed (walltime, a lost worker or
 * manager) and misuse of an executor (wrong state). One class per failure kind.
 */
import { ErrorCode, ParslCwlError, registerRemoteError } from '../util/index.js';
import type { ExecutorState } from './executor.js';

/** Thrown when a bash task runs past its walltime; its whole process group was killed. */
export class TaskWalltimeExceededError extends ParslCwlError {
  constructor(readonly command: string, readonly walltimeSec: number) {
    super(ErrorCode.TaskWalltimeExceeded, `task killed after its walltime of ${walltimeSec} s: ${shorten(command)}; raise walltimeSec if it needs longer`, {
      data: { command, walltimeSec },
    });
  }
}

/** Thrown when an executor is used in a state that does not allow the call (e.g. submit after shutdown). */
export class ExecutorStateError extends ParslCwlError {
  constructor(readonly label: string, readonly state: ExecutorState, readonly operation: string) {
    super(ErrorCode.ExecutorState, `executor '${label}' cannot ${operation} in state ${state}`, { data: { label, state, operation } });
  }
}

/** Thrown for a task the executor could not run because the executor itself failed or shut down. */
export class ExecutorFailedError extends ParslCwlError {
  constructor(readonly label: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.ExecutorFailed, `executor '${label}': ${reason}`, { ...options, data: { label } });
  }
}

/** Thrown when the worker running a task died; the kernel may retry the task elsewhere. */
export class WorkerLostError extends ParslCwlError {
  constructor(readonly workerId: string, readonly taskId: number, reason: string) {
    super(ErrorCode.WorkerLost, `worker ${workerId} was lost while running task ${taskId}: ${reason}`, { data: { workerId, taskId } });
  }
}

/** Thrown when a whole manager (worker pool) stopped answering; its tasks fail with this. */
export class ManagerLostError extends ParslCwlError {
  constructor(readonly managerId: string, readonly hostname: string, reason: string) {
    super(ErrorCode.ManagerLost, `manager ${managerId} on ${hostname} was lost: ${reason}`, { data: { managerId, hostname } });
  }
}

/**
 * Thrown for a task still running on a pool when its block reached its walltime: the pool had
 * stopped taking tasks `drainBeforeSec` earlier (drain_before_walltime) but this one outlived the
 * drain. The pool stops it and leaves; the kernel's retries run it on another block.
 */
export class BlockWalltimeError extends ParslCwlError {
  constructor(readonly taskId: number, readonly blockId: string, readonly walltimeSec: number, readonly drainBeforeSec: number) {
    super(
      ErrorCode.BlockWalltime,
      `task ${taskId} was still running when its block ${blockId} reached its walltime of ${walltimeSec} s (the block stopped taking tasks ${drainBeforeSec} s before); stopped so that a retry runs it on another block`,
      { data: { taskId, blockId, walltimeSec, drainBeforeSec } },
    );
  }
}

/**
 * Thrown for a `job` task whose runner no module of this process registered (src/executors/jobRunners.ts):
 * on an HTEX worker, the pool was not given the module that registers it.
 */
export class JobRunnerMissingError extends ParslCwlError {
  constructor(readonly runner: string, readonly registered: string[]) {
    super(
      ErrorCode.JobRunnerMissing,
      `no runner '${runner}' for job tasks in this process (registered: ${registered.length > 0 ? registered.join(', ') : 'none'}); the module that makes such tasks registers it when imported`,
      { data: { runner, registered } },
    );
  }
}

function shorten(s: string): string {
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

// Failures on an HTEX worker come back to the submitting side as the same classes.
registerRemoteError(ErrorCode.TaskWalltimeExceeded, (j) => new TaskWalltimeExceededError(String(j.data?.command), Number(j.data?.walltimeSec)));
registerRemoteError(ErrorCode.JobRunnerMissing, (j) => new JobRunnerMissingError(String(j.data?.runner), Array.isArray(j.data?.registered) ? j.data.registered.map(String) : []));
registerRemoteError(ErrorCode.BlockWalltime, (j) => new BlockWalltimeError(Number(j.data?.taskId), String(j.data?.blockId), Number(j.data?.walltimeSec), Number(j.data?.drainBeforeSec)));
registerRemoteError(ErrorCode.WorkerLost, (j) => {
  const e = new WorkerLostError(String(j.data?.workerId), Number(j.data?.taskId), '');
  Object.defineProperty(e, 'message', { value: `[${j.code}] ${j.message}` });
  return e;
});
registerRemoteError(ErrorCode.ManagerLost, (j) => {
  const e = new ManagerLostError(String(j.data?.managerId), String(j.data?.hostname), '');
  Object.defineProperty(e, 'message', { value: `[${j.code}] ${j.message}` });
  return e;
});
