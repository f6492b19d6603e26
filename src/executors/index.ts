/**
 * The executor layer's face: the Executor interface the kernel programs against, the
 * LocalExecutor, and the errors executors raise. The HighThroughputExecutor has its own face
 * (htex/index.ts), not re-exported here, so that importing the kernel's default executor does not
 * load the HTEX client; block scaling (strategy/) is used inside this layer only.
 */
export type {
  Executor,
  ExecutorState,
  ExecutorStartContext,
  TaskSpec,
  BashTaskSpec,
  JobTaskSpec,
  NoopTaskSpec,
  TaskOutcome,
  TaskEnvelope,
  BlockView,
  ScalingHooks,
  TaskRunReport,
  BlockEvent,
  TaskResources,
  OutstandingResources,
} from './executor.js';
export { LocalExecutor } from './local/index.js';
export type { LocalExecutorOptions } from './local/index.js';
export { TaskWalltimeExceededError, ExecutorStateError, ExecutorFailedError, WorkerLostError, ManagerLostError, BlockWalltimeError } from './errors.js';
export { registerJobRunner } from './jobRunners.js';
export { reportProcess } from './taskRunner.js';
export type { JobRunner, JobRunOptions } from './jobRunners.js';
