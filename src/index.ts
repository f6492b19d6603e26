/**
 * The public API of parsl-cwl. Everything a program imports from 'parsl-cwl' is re-exported here
 * by name (no `export *`), so the public surface is visible in one place.
 */
export { DataFlowKernel, AppFuture, bashApp, FINAL_STATES, DependencyError, BashExitFailure, KernelShutDownError, KernelStateError, KernelConfigError } from './dataflow/index.js';
export type {
  KernelState,
  SubmitOptions,
  ShutdownOptions,
  TaskCounts,
  BashApp,
  BashAppOptions,
  BashCallOptions,
  BashResult,
  Deferred,
  DataFlowKernelConfig,
  RetryHandler,
  RetryInfo,
  CheckpointMode,
  ShutdownMode,
  AppDefinition,
  PrepareContext,
  TaskState,
  TaskEvent,
  TaskEventName,
  TaskEventListener,
} from './dataflow/index.js';
export { LocalExecutor } from './executors/local/index.js';
export type { LocalExecutorOptions } from './executors/local/index.js';
export type { Executor, TaskSpec, TaskOutcome, TaskEnvelope, ExecutorState } from './executors/executor.js';
export { TaskWalltimeExceededError, ExecutorStateError, ExecutorFailedError, WorkerLostError, ManagerLostError } from './executors/errors.js';
export { runTask } from './executors/taskRunner.js';
/** Experimental: the HighThroughputExecutor and the LocalProvider (docs/htex-protocol.md, docs/configuration.md). */
export { HighThroughputExecutor, HTEX_DEFAULTS, InterchangeFailedError, VersionMismatchError, ProtocolError, CertificateError } from './executors/htex/index.js';
export type { HtexOptions, ManagerInfo, CommandRequest, CommandReply } from './executors/htex/index.js';
export { LocalProvider } from './providers/local.js';
export type { LocalProviderOptions } from './providers/local.js';
/** Experimental: Slurm blocks, launchers and block scaling (docs/slurm.md). */
export { SlurmProvider, SLURM_DEFAULTS } from './providers/slurm/index.js';
export type { SlurmProviderOptions } from './providers/slurm/index.js';
export { SingleNodeLauncher, SimpleLauncher, SrunLauncher } from './providers/launchers.js';
export type { ExecutionProvider, Launcher, BlockState, BlockStatus, SubmitRequest } from './providers/provider.js';
export { SubmitFailedError, ProviderCommandFailedError, ProviderCommandTimeoutError, ProviderOptionInvalidError } from './providers/errors.js';
export { BlockScaler, BLOCK_SCALER_DEFAULTS } from './executors/strategy/index.js';
export type { BlockScalerOptions } from './executors/strategy/index.js';
export { loadTool, lazyTool, submitJob } from './cwl/app/index.js';
export type { CwlApp, CwlAppInfo, LoadToolOptions, SubmitJobOptions } from './cwl/app/index.js';
export type { CwlFile, CwlDirectory } from './cwl/model.js';
export { loadProcess, LoadCache } from './cwl/load/index.js';
export type { LoadOptions } from './cwl/load/index.js';
export { loadJobFile, parseCommandLineInputs, prepareInputs } from './cwl/inputs/index.js';
export type { JobFile, PrepareInputsOptions, CommandLineInputOptions } from './cwl/inputs/index.js';
export type { Process, CommandLineTool, ExpressionTool, Workflow, Operation, CwlType, InputParameter, OutputParameter } from './cwl/model.js';
export {
  YamlSyntaxError,
  DocumentNotFoundError,
  DocumentInvalidError,
  UnsupportedVersionError,
  InputInvalidError,
  InputUnknownError,
  InputFileMissingError,
} from './cwl/errors.js';
export type { JobSpec, JobResult } from './cwl/jobSpec.js';
/** Workflows (experimental): run a loaded Workflow on a kernel, with live progress counts. */
export { runWorkflowOnKernel, WorkflowProgress, formatProgress } from './cwl/workflow/index.js';
export type { WorkflowRunRequest, WorkflowRunResult, ProgressCounts } from './cwl/workflow/index.js';
export { WorkflowStepFailedError, WorkflowInvalidError, PickValueError, ConditionNotBooleanError, ScatterInputError } from './cwl/errors.js';
export { ParslCwlError, ErrorCode } from './errors.js';
