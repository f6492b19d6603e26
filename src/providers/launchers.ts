/**
 * Launchers wrap the worker-pool command for a block's node layout (Parsl's launchers). The HTEX
 * pool forks one worker per core itself, so the executor asks for one pool per node
 * (tasksPerNode = 1); other commands may ask for more copies.
 */
import type { Launcher } from './provider.js';

/** `tasksPerNode` copies of the command on the block's single node; the block ends when all did. */
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

/** The command once, as it is: for commands that start their own per-node processes. */
export class SimpleLauncher implements Launcher {
  readonly name = 'simple';
  wrap(command: string): string {
    return command;
  }
}
