/** The slurm provider section of a config file: schema, conversion, and the example config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { SrunLauncher } from '../../src/providers/launchers.js';
import { SLURM_PROVIDER_JSON_SCHEMA, slurmProviderFromSection, type SlurmProviderSection } from '../../src/providers/slurm/index.js';

const EXAMPLE = fileURLToPath(new URL('../../../cwl-examples/configs/slurm.yml', import.meta.url));
const validate = new Ajv({ allErrors: true }).compile(SLURM_PROVIDER_JSON_SCHEMA);

test('the example config holds a valid slurm provider section that builds a provider', () => {
  const config = load(readFileSync(EXAMPLE, 'utf8')) as { executor: { label: string; provider: SlurmProviderSection } };
  const htex = config.executor;
  assert.ok(validate(htex.provider), JSON.stringify(validate.errors));
  const provider = slurmProviderFromSection(htex.provider, htex.label);
  assert.equal(provider.label, 'slurm-htex');
  assert.equal(provider.options.walltimeSec, 1800);
  assert.equal(provider.maxBlocks, 2);
  assert.equal(provider.launcher.name, 'single-node');
});

test('every option of the section reaches the provider under its camelCase name', () => {
  const section: SlurmProviderSection = {
    type: 'slurm',
    label: 'x',
    partition: 'p',
    account: 'a',
    qos: 'q',
    constraint: 'c',
    walltime: '01:00:00',
    nodes_per_block: 2,
    cores_per_node: 8,
    mem_per_node: 4,
    exclusive: true,
    scheduler_options: '#SBATCH --gres=gpu:1',
    worker_init: 'module load node',
    cmd_timeout: 30,
    init_blocks: 0,
    min_blocks: 1,
    max_blocks: 5,
    parallelism: 0.5,
    launcher: { type: 'srun', overrides: '--mpi=none' },
  };
  assert.ok(validate(section), JSON.stringify(validate.errors));
  const { options } = slurmProviderFromSection(section);
  assert.deepEqual(
    [options.partition, options.account, options.qos, options.constraint, options.walltimeSec, options.nodesPerBlock, options.coresPerNode, options.memPerNode, options.exclusive],
    ['p', 'a', 'q', 'c', 3600, 2, 8, 4, true],
  );
  assert.deepEqual([options.schedulerOptions, options.workerInit, options.cmdTimeout, options.initBlocks, options.minBlocks, options.maxBlocks, options.parallelism], [
    '#SBATCH --gres=gpu:1',
    'module load node',
    30,
    0,
    1,
    5,
    0.5,
  ]);
  assert.ok(options.launcher instanceof SrunLauncher);
  assert.equal((options.launcher as SrunLauncher).overrides, '--mpi=none');
});

test('the schema refuses unknown keys and bad values, naming them', () => {
  assert.equal(validate({ type: 'slurm', partiton: 'typo' }), false);
  assert.match(JSON.stringify(validate.errors), /partiton/);
  assert.equal(validate({ type: 'slurm', walltime: 'an hour' }), false);
  assert.equal(validate({ type: 'slurm', parallelism: 2 }), false);
  assert.equal(validate({ type: 'slurm', launcher: { type: 'mpiexec' } }), false);
});
