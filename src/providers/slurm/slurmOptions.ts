/**
 * The SlurmProvider's options, their defaults (in one place) and their checks. Names follow
 * Parsl's SlurmProvider in camelCase; the config file uses the snake_case forms (docs/slurm.md).
 */
import type { Launcher } from '../provider.js';
import { ProviderOptionInvalidError } from '../errors.js';
import { SingleNodeLauncher } from '../launchers.js';

/**
 * Options of the SlurmProvider (docs/slurm.md).
 * @experimental May change before 1.0.
 */
export interface SlurmProviderOptions {
  /** Names the blocks' jobs (`parsl.<label>.block-<n>`) and appears in errors. */
  label?: string;
  /** `--partition`; absent: the cluster's default partition. */
  partition?: string;
  /** `--account` to charge. */
  account?: string;
  /** `--qos`. */
  qos?: string;
  /** `--constraint` (node features, e.g. `haswell&ib`). */
  constraint?: string;
  /** `--time` of each block, `[D-]HH:MM:SS`; its pools are killed when it runs out. */
  walltime?: string;
  /** `--nodes` per block; the launcher starts one pool per node. */
  nodesPerBlock?: number;
  /** `--cpus-per-task` (one task per node); absent: Slurm's default. */
  coresPerNode?: number;
  /** `--mem` per node, in GB; absent: Slurm's default. */
  memPerNode?: number;
  /** `--exclusive`: blocks do not share their nodes with other jobs. */
  exclusive?: boolean;
  /** Extra lines for the batch script's header, copied verbatim (`#SBATCH --gres=gpu:1`). */
  schedulerOptions?: string;
  /** Shell commands run before the pool starts (`module load nodejs`, `source env.sh`). */
  workerInit?: string;
  /** Seconds sbatch/squeue/sacct/scancel may take before the call fails with ProviderCommandTimeout. */
  cmdTimeout?: number;
  initBlocks?: number;
  minBlocks?: number;
  maxBlocks?: number;
  /** 0..1: 1 asks for a block per `workersPerBlock` outstanding tasks, 0 keeps to minBlocks (at least one while work waits). */
  parallelism?: number;
  /** How the pool command is started on the block's nodes; default SingleNodeLauncher. */
  launcher?: Launcher;
}

export type ResolvedSlurmOptions = Required<Omit<SlurmProviderOptions, 'partition' | 'account' | 'qos' | 'constraint' | 'coresPerNode' | 'memPerNode'>> &
  Pick<SlurmProviderOptions, 'partition' | 'account' | 'qos' | 'constraint' | 'coresPerNode' | 'memPerNode'> & { walltimeSec: number };

/** The defaults (Parsl's, except exclusive: false so small shared clusters work out of the box). */
export const SLURM_DEFAULTS = {
  label: 'slurm',
  walltime: '00:10:00',
  nodesPerBlock: 1,
  exclusive: false,
  schedulerOptions: '',
  workerInit: '',
  cmdTimeout: 10,
  initBlocks: 1,
  minBlocks: 0,
  maxBlocks: 1,
  parallelism: 1,
} as const;

/** Parses Slurm's `[D-]HH:MM:SS` (also `MM:SS` and `MM`) into seconds. */
export function parseWalltime(walltime: string): number {
  const match = /^(?:(\d+)-)?(?:(?:(\d+):)?(\d+):)?(\d+)$/.exec(walltime.trim());
  if (!match) throw new ProviderOptionInvalidError('walltime', `'${walltime}' is not [D-]HH:MM:SS`);
  const [, days, hours, minutes, seconds] = match;
  // A bare number is minutes in Slurm's --time; with colons the last field is seconds.
  if (hours === undefined && minutes === undefined && days === undefined) return Number(seconds) * 60;
  const total = Number(days ?? 0) * 86400 + Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds);
  if (total <= 0) throw new ProviderOptionInvalidError('walltime', `'${walltime}' is zero; give the block some time`);
  return total;
}

/** Formats seconds as `HH:MM:SS` (hours may exceed 24), the form sbatch --time takes. */
export function formatWalltime(totalSec: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hours = Math.floor(totalSec / 3600);
  const minutes = Math.floor((totalSec % 3600) / 60);
  return `${pad(hours)}:${pad(minutes)}:${pad(totalSec % 60)}`;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new ProviderOptionInvalidError(name, `${value} must be an integer >= ${min}`);
}

/** Applies the defaults and checks every option; throws ProviderOptionInvalidError naming the first bad one. */
export function resolveSlurmOptions(options: SlurmProviderOptions): ResolvedSlurmOptions {
  const resolved = {
    ...SLURM_DEFAULTS,
    launcher: new SingleNodeLauncher(),
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Omit<ResolvedSlurmOptions, 'walltimeSec'>;
  checkCount('nodes_per_block', resolved.nodesPerBlock, 1);
  checkCount('init_blocks', resolved.initBlocks, 0);
  checkCount('min_blocks', resolved.minBlocks, 0);
  checkCount('max_blocks', resolved.maxBlocks, 0);
  if (resolved.minBlocks > resolved.maxBlocks) throw new ProviderOptionInvalidError('min_blocks', `${resolved.minBlocks} is above max_blocks ${resolved.maxBlocks}`);
  if (resolved.initBlocks > resolved.maxBlocks) throw new ProviderOptionInvalidError('init_blocks', `${resolved.initBlocks} is above max_blocks ${resolved.maxBlocks}`);
  if (!(resolved.parallelism >= 0 && resolved.parallelism <= 1)) throw new ProviderOptionInvalidError('parallelism', `${resolved.parallelism} is not between 0 and 1`);
  if (!(resolved.cmdTimeout > 0)) throw new ProviderOptionInvalidError('cmd_timeout', `${resolved.cmdTimeout} must be a positive number of seconds`);
  if (resolved.coresPerNode !== undefined) checkCount('cores_per_node', resolved.coresPerNode, 1);
  if (resolved.memPerNode !== undefined && !(resolved.memPerNode > 0)) throw new ProviderOptionInvalidError('mem_per_node', `${resolved.memPerNode} must be a positive number of GB`);
  if (!/^[A-Za-z0-9_.-]+$/.test(resolved.label)) {
    throw new ProviderOptionInvalidError('label', `'${resolved.label}' may only hold letters, digits, '_', '.' and '-' (it is part of job names)`);
  }
  return { ...resolved, walltimeSec: parseWalltime(resolved.walltime) };
}
