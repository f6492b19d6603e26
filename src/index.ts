/**
 * The public API of parsl-cwl: what a program needs to run bash apps and CWL tools and workflows on
 * a DataFlowKernel, with the executors of a config file or built in code. Everything is re-exported
 * here by name (no `export *`), so the public surface is visible in one place and pinned by
 * test/dataflow/publicApi.test.ts; docs/api.md has one example per name. Symbols whose declaration
 * carries `@experimental` may change before 1.0. Internals (task specs, the task runner, block
 * scaling, the load cache...) are imported from their layer's folder by the code that needs them.
 */

// The kernel, its apps and futures.
export { DataFlowKernel, AppFuture, bashApp } from './dataflow/index.js';
export type {
  DataFlowKernelConfig,
  KernelState,
  ShutdownOptions,
  ShutdownMode,
  TaskCounts,
  TaskState,
  TaskEvent,
  TaskEventName,
  TaskEventListener,
  RetryHandler,
  RetryInfo,
  CheckpointMode,
  BashApp,
  BashAppOptions,
  BashCallOptions,
  BashResult,
  Deferred,
} from './dataflow/index.js';
export { DependencyError, BashExitFailure, KernelShutDownError, KernelStateError, KernelConfigError } from './dataflow/index.js';

// Config files (the CLI's --config format) to a kernel's executors.
export { loadConfig, ConfigInvalidError } from './config/index.js';
export type { ParslCwlConfig, BuiltConfig } from './config/index.js';

// Executors.
export type { Executor } from './executors/index.js';
export { LocalExecutor } from './executors/index.js';
export type { LocalExecutorOptions } from './executors/index.js';
export { TaskWalltimeExceededError, ExecutorStateError, ExecutorFailedError, WorkerLostError, ManagerLostError } from './executors/index.js';
export { HighThroughputExecutor, InterchangeFailedError, VersionMismatchError, ProtocolError, CertificateError } from './executors/htex/index.js';
export type { HtexOptions, ManagerInfo } from './executors/htex/index.js';

// Providers and launchers (where HTEX worker pools run).
export { LocalProvider } from './providers/index.js';
export type { LocalProviderOptions } from './providers/index.js';
export { SlurmProvider } from './providers/slurm/index.js';
export type { SlurmProviderOptions } from './providers/slurm/index.js';
export { SingleNodeLauncher, SimpleLauncher, SrunLauncher } from './providers/index.js';
export type { ExecutionProvider, Launcher } from './providers/index.js';
export { SubmitFailedError, ProviderCommandFailedError, ProviderCommandTimeoutError, ProviderOptionInvalidError } from './providers/index.js';

// CWL: tools as functions, documents, job files and inputs.
export { loadTool, lazyTool } from './cwl/app/index.js';
export type { CwlApp, CwlAppInfo, LoadToolOptions } from './cwl/app/index.js';
export type { ContainerMode, ContainerSettings } from './cwl/containers/settings.js';
export type { CwlFile, CwlDirectory, Process, CommandLineTool, ExpressionTool, Workflow, Operation } from './cwl/index.js';
export { loadProcess } from './cwl/load/index.js';
export type { LoadOptions } from './cwl/load/index.js';
export { loadJobFile, prepareInputs } from './cwl/inputs/index.js';
export type { JobFile, PrepareInputsOptions } from './cwl/inputs/index.js';
export {
  YamlSyntaxError,
  DocumentNotFoundError,
  DocumentInvalidError,
  UnsupportedVersionError,
  InputInvalidError,
  InputUnknownError,
  InputFileMissingError,
} from './cwl/index.js';

// CWL workflows run from a program.
export { runWorkflowOnKernel, WorkflowProgress } from './cwl/workflow/index.js';
export type { WorkflowRunRequest, WorkflowRunResult, ProgressCounts } from './cwl/workflow/index.js';
export { WorkflowStepFailedError, WorkflowInvalidError, PickValueError, ConditionNotBooleanError, ScatterInputError } from './cwl/index.js';

// Errors: every error above is a ParslCwlError with a stable `code`.
export { ParslCwlError, ErrorCode } from './util/index.js';
