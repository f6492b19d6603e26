/** HTEX on the local Slurm for the tests: a kernel whose one executor runs its pools in Slurm blocks. */
import { join } from 'node:path';
import { DataFlowKernel } from '../../src/dataflow/index.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import type { HtexOptions } from '../../src/executors/htex/options.js';
import { SlurmProvider } from '../../src/providers/slurm/index.js';
import type { SlurmProviderOptions } from '../../src/providers/slurm/index.js';
import { scratchDir } from './slurmGate.js';

export interface Run {
  dfk: DataFlowKernel;
  executor: HighThroughputExecutor;
  dir: string;
}

/** A kernel whose one executor is HTEX on Slurm blocks, with a quick strategy and heartbeats. */
export async function startOnSlurm(label: string, provider: SlurmProviderOptions, htex: Partial<HtexOptions> = {}, retries = 0): Promise<Run> {
  const dir = scratchDir(label);
  const executor = new HighThroughputExecutor({
    label,
    provider: new SlurmProvider({ label, walltime: '00:10:00', cmdTimeout: 20, ...provider }),
    workersPerPool: 1,
    heartbeatPeriodSec: 0.5,
    heartbeatThresholdSec: 5,
    workerBindInterface: '127.0.0.1',
    addresses: ['127.0.0.1'],
    strategy: { periodSec: 0.5, maxIdleTimeSec: 2 },
    ...htex,
  });
  const dfk = await DataFlowKernel.load({ executors: [executor], runDir: join(dir, 'runinfo'), retries });
  return { dfk, executor, dir };
}
