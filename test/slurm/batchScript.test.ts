/** The batch script, option checks, state mapping and launchers: plain functions, no Slurm needed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/util/errors.js';
import { ProviderOptionInvalidError } from '../../src/providers/errors.js';
import { SimpleLauncher, SingleNodeLauncher, SrunLauncher, createLauncher, shellQuote } from '../../src/providers/launchers.js';
import { blockStateOf, formatWalltime, parseSacct, parseSqueue, parseWalltime, renderBatchScript, resolveSlurmOptions } from '../../src/providers/slurm/index.js';
import { execFileSync } from 'node:child_process';

test('every provider option becomes its #SBATCH line, then worker_init, then the command', () => {
  const options = resolveSlurmOptions({
    label: 'big',
    partition: 'gpu',
    account: 'proj42',
    qos: 'high',
    constraint: 'haswell&ib',
    walltime: '1-02:03:04',
    nodesPerBlock: 2,
    coresPerNode: 16,
    memPerNode: 1.5,
    exclusive: true,
    schedulerOptions: '#SBATCH --gres=gpu:1',
    workerInit: 'module load nodejs',
  });
  const script = renderBatchScript(options, { jobName: 'parsl.big.block-0', stdoutPath: '/r/o', stderrPath: '/r/e', command: 'parsl-cwl pool --block-id 0', tasksPerNode: 1 });
  const lines = script.split('\n');
  assert.equal(lines[0], '#!/bin/bash');
  for (const expected of [
    '#SBATCH --job-name=parsl.big.block-0',
    '#SBATCH --output=/r/o',
    '#SBATCH --error=/r/e',
    '#SBATCH --nodes=2',
    '#SBATCH --ntasks-per-node=1',
    '#SBATCH --time=26:03:04',
    '#SBATCH --partition=gpu',
    '#SBATCH --account=proj42',
    '#SBATCH --qos=high',
    '#SBATCH --constraint=haswell&ib',
    '#SBATCH --cpus-per-task=16',
    '#SBATCH --mem=1536M',
    '#SBATCH --exclusive',
    '#SBATCH --gres=gpu:1',
  ]) {
    assert.ok(lines.includes(expected), `missing ${expected} in\n${script}`);
  }
  // sbatch stops reading #SBATCH lines at the first command: all header lines come before worker_init.
  const lastHeader = Math.max(...lines.map((line, i) => (line.startsWith('#SBATCH') ? i : -1)));
  assert.ok(lastHeader < lines.indexOf('module load nodejs'));
  assert.ok(lines.indexOf('module load nodejs') < lines.indexOf('parsl-cwl pool --block-id 0'));
  execFileSync('bash', ['-n'], { input: script });
});

test('options left out are left out of the script (Slurm defaults apply)', () => {
  const script = renderBatchScript(resolveSlurmOptions({}), { jobName: 'parsl.slurm.block-0', stdoutPath: 'o', stderrPath: 'e', command: 'true', tasksPerNode: 1 });
  for (const absent of ['--partition', '--account', '--qos', '--constraint', '--cpus-per-task', '--mem', '--exclusive']) {
    assert.ok(!script.includes(absent), `${absent} should not be in\n${script}`);
  }
  assert.ok(script.includes('#SBATCH --time=00:10:00'));
});

test('walltimes parse like sbatch --time and format as HH:MM:SS', () => {
  assert.equal(parseWalltime('00:10:00'), 600);
  assert.equal(parseWalltime('2-00:00:01'), 2 * 86400 + 1);
  assert.equal(parseWalltime('05:30'), 330);
  assert.equal(parseWalltime('7'), 420);
  assert.equal(formatWalltime(90061), '25:01:01');
  for (const bad of ['ten minutes', '1:2:3:4', '00:00:00', '']) {
    assert.throws(() => parseWalltime(bad), (err: unknown) => err instanceof ProviderOptionInvalidError && err.code === ErrorCode.ConfigInvalid);
  }
});

test('impossible scaling limits are refused naming the option', () => {
  const refuses = (options: Parameters<typeof resolveSlurmOptions>[0], option: string): void => {
    assert.throws(() => resolveSlurmOptions(options), (err: unknown) => err instanceof ProviderOptionInvalidError && err.option === option);
  };
  refuses({ minBlocks: 3, maxBlocks: 2 }, 'min_blocks');
  refuses({ initBlocks: 2, maxBlocks: 1 }, 'init_blocks');
  refuses({ parallelism: 1.5 }, 'parallelism');
  refuses({ nodesPerBlock: 0 }, 'nodes_per_block');
  refuses({ cmdTimeout: 0 }, 'cmd_timeout');
  refuses({ label: 'a b' }, 'label');
});

test('Slurm states map to block states, terminal or not', () => {
  assert.equal(blockStateOf('PENDING'), 'PENDING');
  assert.equal(blockStateOf('RUNNING'), 'RUNNING');
  assert.equal(blockStateOf('COMPLETING'), 'RUNNING');
  assert.equal(blockStateOf('CANCELLED by 0'), 'CANCELLED');
  assert.equal(blockStateOf('TIMEOUT'), 'TIMEOUT');
  assert.equal(blockStateOf('NODE_FAIL'), 'FAILED');
  assert.equal(blockStateOf('OUT_OF_MEMORY'), 'FAILED');
  assert.equal(blockStateOf('SUSPENDED'), 'HELD');
  assert.equal(blockStateOf('SOMETHING_NEW'), 'UNKNOWN');
});

test('sacct and squeue output parse into rows per job, steps ignored', () => {
  const sacct = parseSacct('12|CANCELLED by 0|0:15\n12.batch|CANCELLED|0:15\n13|COMPLETED|3:0\n');
  assert.deepEqual([...sacct.keys()], ['12', '13']);
  assert.equal(sacct.get('13')?.exitCode, 3);
  const squeue = parseSqueue('20|PENDING|Priority\n21|RUNNING|None\n');
  assert.equal(squeue.get('20')?.detail, 'squeue: PENDING (Priority)');
  assert.equal(squeue.get('21')?.state, 'RUNNING');
});

test('launchers wrap the pool command for the node layout', () => {
  assert.equal(new SimpleLauncher().wrap('pool --x'), 'pool --x');
  assert.equal(new SingleNodeLauncher().wrap('pool --x', 1, 1), 'pool --x');
  const srun = new SrunLauncher('--mpi=none').wrap("pool --name 'a b'", 1, 3);
  assert.match(srun, /^srun --nodes=3 --ntasks=3 --ntasks-per-node=1 --kill-on-bad-exit=0 --mpi=none \/bin\/bash -c '/);
  // The quoted command survives a shell round trip unchanged.
  const quoted = execFileSync('bash', ['-c', `printf %s ${shellQuote("it's \"quoted\" $HOME")}`], { encoding: 'utf8' });
  assert.equal(quoted, `it's "quoted" $HOME`);
  assert.equal(createLauncher({ type: 'srun' }).name, 'srun');
  assert.throws(() => createLauncher({ type: 'mpiexec' as 'srun' }), ProviderOptionInvalidError);
});
