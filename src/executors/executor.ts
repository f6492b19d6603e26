/**
 * The one interface every executor implements (docs/architecture.md, "Layers").
 * The DataFlowKernel knows only this: it never sees ZeroMQ, Slurm or child processes.
 */
import type { BlockStatus, ExecutionProvider } from '../providers/index.js';

/** What an executor runs. Plain data: it crosses process boundaries (HTEX) as JSON. */
export type TaskSpec = BashTaskSpec | JobTaskSpec | NoopTaskSpec;

/** A bash app's resolved command. stdout/stderr go straight to files, never pipes:
 * piped stdio collapses spawn rates when several Node processes spawn at once (docs/measurements.md). */
export interface BashTaskSpec {
  kind: 'bash';
  command: string;
  cwd?: string;
  /** Added to the worker's environment. */
  env?: Record<string, string>;
  /** Absolute path or a path relative to cwd; absent means /dev/null. */
  stdout?: string;
  stderr?: string;
  /** Kill the task's whole process group after this many seconds. */
  walltimeSec?: number;
  resources?: TaskResources;
}

/**
 * What one task asks of the node it runs on (a CWL ResourceRequirement's coresMin/ramMin): read by
 * block scaling, which provisions for the outstanding work's cores and memory, not only its count.
 */
export interface TaskResources {
  cores?: number;
  ramMB?: number;
}

/** The outstanding (ready or running) tasks of an executor and what they ask for together. */
export interface OutstandingResources {
  tasks: number;
  cores: number;
  ramMB: number;
}

/**
 * A job for a runner plugged in by a layer above (./jobRunners.ts): the CWL layer registers runner
 * `cwl` (a JobSpec in, a JobResult out). The executors carry `job` and the outcome's `result` as
 * opaque plain data; only the runner and the code that made the task know their types.
 */
export interface JobTaskSpec {
  kind: 'job';
  /** The name the runner was registered under (registerJobRunner). */
  runner: string;
  job: unknown;
  resources?: TaskResources;
}

/** A task that does nothing (kernel and executor overhead benchmarks). */
export interface NoopTaskSpec {
  kind: 'noop';
}

export type TaskOutcome =
  | { kind: 'bash'; exitCode: number; signal?: string | null; stdout?: string; stderr?: string }
  | { kind: 'job'; result: unknown }
  | { kind: 'noop' };

export interface TaskEnvelope {
  taskId: number;
  /** 0 for the first try, 1 for the first retry, ... */
  attempt: number;
  spec: TaskSpec;
}

export type ExecutorState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPING' | 'STOPPED' | 'FAILED';

export interface ExecutorStartContext {
  /** The run directory (runinfo/NNN): logs, certificates/, submit_scripts/, job folders. */
  runDir: string;
  /** Where the executor writes its log lines. */
  log: (line: string) => void;
  /**
   * A warning the user should see, not only the log (the kernel writes it to the log and to its
   * `warn`, which the CLI prints on stderr). Without it, warnings go to `log`.
   */
  warn?: (line: string) => void;
  /** Executors call this when a task starts executing (kernel state `running`); optional to report. */
  taskRunning?: (taskId: number) => void;
  /**
   * What the place that ran one try of a task tells about it (the run record,
   * docs/run-record.md): called before the try's promise settles, success or failure alike.
   */
  taskReport?: (taskId: number, attempt: number, report: TaskRunReport) => void;
  /** A block of this executor changed state (submitted, running, ended): the run record's blocks. */
  blockEvent?: (event: BlockEvent) => void;
}

/**
 * Facts about one try of a task, filled in where it ran (runTask fills what the process layer and
 * the job runner know; an executor adds where it ran). Plain data: it crosses the HTEX wire.
 */
export interface TaskRunReport {
  block?: string;
  /** The HTEX pool (manager) and worker that ran it. */
  manager?: string;
  worker?: string;
  /** When the worker began and ended the try (epoch ms, the worker's clock). */
  startedAt?: number;
  endedAt?: number;
  /** The command's exit code (bash tasks, CWL jobs' commands). */
  exitCode?: number;
  /** The command's resource use: wall time from its start to its end, CPU and peak memory from wait4 (native spawner only). */
  wallMs?: number;
  userMs?: number;
  systemMs?: number;
  maxRssKb?: number;
  /** Job runners' facts (CWL: the command line, the job folder, the sizes of the input and output files). */
  commandLine?: string[];
  workDir?: string;
  inputBytes?: number;
  outputBytes?: number;
  /** The container image the command ran in (CWL DockerRequirement), as given to the engine. */
  image?: string;
}

/** One state change of a block (HTEX's provider jobs). */
export interface BlockEvent {
  blockId: string;
  /** The provider's label (LocalProvider: `local`; SlurmProvider: its `label`, default `slurm`). */
  provider: string;
  /** submitted (with the provider's job id), running (a pool of it registered), ended. */
  state: 'submitted' | 'running' | 'ended';
  jobId?: string;
  /** Why it ended (scaled in, the scheduler's state, shutdown). */
  detail?: string;
}

/** One block as the executor sees it, read by the scaling strategy (src/executors/strategy). */
export interface BlockView {
  blockId: string;
  /** The provider's job id (Slurm job id, local process group id) the block was submitted as. */
  jobId: string;
  /** Pools (managers) of this block registered with the interchange and not lost. */
  managers: number;
  /** Tasks running on this block's pools right now. */
  activeTasks: number;
  /** Date.now() since which the block has had no task; undefined while it runs tasks. */
  idleSinceMs?: number;
  /** True once scale-in has started draining the block, or every pool of it drains. */
  draining: boolean;
  /** The provider's last word on the block: PENDING blocks (still queued) may be cancelled when no longer needed. */
  providerState?: BlockStatus['state'];
}

/**
 * What the scaling strategy reads and calls (the provider issue builds on these hooks).
 * The executor submits `provider.initBlocks` itself in start(); the strategy then polls
 * `provider.status` for `blocks()`, reports ended blocks with `blockTerminated`, and scales
 * between minBlocks and maxBlocks. It stops before the executor's shutdown cancels every block.
 */
export interface ScalingHooks {
  /** Where blocks come from; its limits (initBlocks, minBlocks, maxBlocks, parallelism) apply. */
  readonly provider: ExecutionProvider;
  /** Worker slots one block brings (workers per pool × nodes per block). */
  readonly workersPerBlock: number;
  /** Cores and memory (MB) one block brings: the provider's per-node figures × nodes, else one core per worker (no memory figure). */
  readonly coresPerBlock?: number;
  readonly memPerBlockMB?: number;
  /** The outstanding tasks' count, cores and memory (resource-aware scaling). */
  outstandingResources?(): OutstandingResources;
  /** Blocks this executor has asked a provider for and not yet cancelled. */
  connectedBlocks(): string[];
  /** Every block asked for and not yet cancelled or reported terminated. */
  blocks(): BlockView[];
  /** Ask the provider for `blocks` more blocks. */
  scaleOut(blocks: number): Promise<string[]>;
  /** Drain then cancel up to `blocks` idle blocks (or the ones named). */
  scaleIn(blocks: number, blockIds?: string[]): Promise<string[]>;
  /**
   * The strategy's status poll found the block ended (FAILED, TIMEOUT, MISSING, ...): forget it
   * and fail the tasks running on its pools (ManagerLost) now instead of after missed heartbeats.
   */
  blockTerminated(blockId: string, status: BlockStatus): void;
}

export interface Executor {
  readonly label: string;
  readonly state: ExecutorState;
  start(ctx: ExecutorStartContext): Promise<void>;
  /**
   * Run a task. Resolves with the outcome (a bash task's non-zero exit is an outcome, not a
   * rejection: the kernel turns it into BashExitFailure). Rejects with a ParslCwlError for failures
   * of the task's execution (CWL tool failure, WorkerLost, ManagerLost, walltime...).
   */
  submit(task: TaskEnvelope, signal?: AbortSignal): Promise<TaskOutcome>;
  /** Tasks submitted and not yet finished. */
  outstanding(): number;
  /** Present on executors that provision blocks through a provider (HTEX). */
  readonly scaling?: ScalingHooks;
  /** Safe to call twice (same promise); rejects pending tasks with a "shut down" error. */
  shutdown(): Promise<void>;
}
