/**
 * Launchers wrap the worker-pool command for a block's node layout (Parsl's launchers). The HTEX
 * pool forks one worker per core itself, so the executor asks for one pool per node
 * (tasksPerNode = 1); other commands may ask for more copies.
 */
import type { Launcher } from './provider.js';
import { ProviderOptionInvalidError } from './errors.js';

/**
 * `tasksPerNode` copies of the command on the block's single node; the block ends when all did.
 * @experimental May change before 1.0.
 */
export class SingleNodeLauncher implements Launcher {
  readonly name = 'single-node';
  wrap(command: string, tasksPerNode: number, _nodesPerBlock: number): string {
    if (tasksPerNode <= 1) return command;
    // Each copy learns its rank, as with Parsl's launcher; the exit code is the worst one.
    return [
      `__pcwl_rc=0; __pcwl_pids=""`,
      `for __pcwl_rank in $(seq 0 ${tasksPerNode - 1}); do`,
      `  ( export PARSL_CWL_RANK=$__pcwl_rank; ${command} ) & __pcwl_pids="$__pcwl_pids $!"`,
      `done`,
      `for __pcwl_pid in $__pcwl_pids; do wait $__pcwl_pid || __pcwl_rc=$?; done`,
      `exit $__pcwl_rc`,
    ].join('\n');
  }
}

/**
 * The command once, as it is: for commands that start their own per-node processes.
 * @experimental May change before 1.0.
 */
export class SimpleLauncher implements Launcher {
  readonly name = 'simple';
  wrap(command: string): string {
    return command;
  }
}

/** Quotes a string for a POSIX shell: single quotes, embedded ones closed and escaped. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * `srun` starts `tasksPerNode` copies on every node of a Slurm allocation (one pool per node for
 * HTEX). `overrides` are extra srun options, e.g. `--mpi=none`.
 * @experimental May change before 1.0.
 */
export class SrunLauncher implements Launcher {
  readonly name = 'srun';

  constructor(readonly overrides = '') {}

  wrap(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    const perNode = Math.max(1, tasksPerNode);
    const srun = [
      'srun',
      `--nodes=${nodesPerBlock}`,
      `--ntasks=${perNode * nodesPerBlock}`,
      `--ntasks-per-node=${perNode}`,
      // A copy that exits on one node must not take the others down with it.
      '--kill-on-bad-exit=0',
      this.overrides.trim(),
      '/bin/bash',
      '-c',
      // srun numbers its tasks in SLURM_PROCID: that is the copy's rank.
      shellQuote(`export PARSL_CWL_RANK=$SLURM_PROCID\n${command}`),
    ];
    return srun.filter((part) => part !== '').join(' ');
  }
}

/** What a config file says about a launcher (`single_node`, `simple` or `srun`). */
export interface LauncherOptions {
  type: string;
  /** srun only: extra srun options. */
  overrides?: string;
}

/** Builds the launcher a config names. */
export function createLauncher(options: LauncherOptions): Launcher {
  switch (options.type) {
    case 'single_node':
    case 'single-node':
      return new SingleNodeLauncher();
    case 'simple':
      return new SimpleLauncher();
    case 'srun':
      return new SrunLauncher(options.overrides);
    default:
      throw new ProviderOptionInvalidError('launcher.type', `'${options.type}' is not a launcher; use single_node, simple or srun`);
  }
}
