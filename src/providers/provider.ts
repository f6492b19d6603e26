/**
 * Providers start and stop *blocks*: batch jobs (Slurm) or local process groups, each running a
 * worker-pool command of this package, wrapped by a launcher for the node layout
 * (docs/architecture.md). The scaling strategy decides how many blocks; providers only obey.
 */

/** Parsl's job states, as a provider reports them for a block. */
export type BlockState =
  | 'PENDING'
  | 'RUNNING'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'TIMEOUT'
  | 'HELD'
  | 'MISSING'
  | 'UNKNOWN';

export interface BlockStatus {
  state: BlockState;
  /** What the resource manager said (e.g. Slurm's `NODE_FAIL`), for logs and errors. */
  detail?: string;
  exitCode?: number;
}

/** Terminal states: a block in one of these never runs again. */
export const TERMINAL_BLOCK_STATES: ReadonlySet<BlockState> = new Set(['CANCELLED', 'COMPLETED', 'FAILED', 'TIMEOUT', 'MISSING']);

export interface SubmitRequest {
  /** The worker-pool command (already wrapped by the launcher) to run in the block. */
  command: string;
  /** Job name, e.g. `parsl.htex.block-3`; providers may shorten it but keep the `parsl` prefix. */
  jobName: string;
  /** Copies of the command the launcher starts per node (1 for HTEX: one pool per node, which forks its workers). */
  tasksPerNode: number;
  /** Where to write the submit script, stdout and stderr (runinfo/NNN/submit_scripts). */
  scriptDir: string;
}

/**
 * Where worker pools run (Parsl providers): starts, watches and cancels blocks.
 * @experimental May change before 1.0.
 */
export interface ExecutionProvider {
  readonly label: string;
  /** Wraps the worker-pool command for the block's node layout before `submit` (Parsl: provider.launcher). */
  readonly launcher: Launcher;
  /** Nodes per block; a launcher starts one pool per node. */
  readonly nodesPerBlock: number;
  /** Scaling limits, read by the strategy. */
  readonly initBlocks: number;
  readonly minBlocks: number;
  readonly maxBlocks: number;
  /** 0..1: how eagerly to provision for outstanding tasks (Parsl's `parallelism`). */
  readonly parallelism: number;
  /** Each block's time limit in seconds, when the provider imposes one (Slurm's --time). */
  readonly walltimeSec?: number;
  /** Cores and memory (MB) of one node of a block, when the provider knows them: resource-aware scaling. */
  readonly coresPerNode?: number;
  readonly memPerNodeMB?: number;
  /** Submit one block; resolves with the provider's job id. */
  submit(request: SubmitRequest, signal?: AbortSignal): Promise<string>;
  /** Current status of each job id (order preserved). */
  status(jobIds: string[], signal?: AbortSignal): Promise<BlockStatus[]>;
  /** Cancel jobs; resolves with one boolean per id (true if the cancel was accepted). */
  cancel(jobIds: string[], signal?: AbortSignal): Promise<boolean[]>;
}

/**
 * Wraps a worker-pool command for the node layout of a block (Parsl's launchers).
 * @experimental May change before 1.0.
 */
export interface Launcher {
  readonly name: string;
  /** Returns the command that starts `command` once per node of the block. */
  wrap(command: string, tasksPerNode: number, nodesPerBlock: number): string;
}
