/**
 * THE schema of the runner's `--config FILE` (YAML or JSON), validated with ajv (docs/configuration.md).
 * Keys are Parsl's snake_case names. Defaults are not in the schema: they live in defaults.ts.
 */
import { SLURM_PROVIDER_JSON_SCHEMA, BLOCK_SCALING_JSON_PROPERTIES } from '../providers/slurm/index.js';

const LOCAL_PROVIDER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'local' },
    ...BLOCK_SCALING_JSON_PROPERTIES,
  },
} as const;

const STRATEGY_SCHEMA = {
  oneOf: [
    { const: false },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        period: { type: 'number', exclusiveMinimum: 0 },
        max_idle_time: { type: 'number', minimum: 0 },
        max_block_failures: { type: 'integer', minimum: 1 },
      },
    },
  ],
} as const;

const LABEL = { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' } as const;

const LOCAL_EXECUTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'local' },
    label: LABEL,
    max_workers: { type: 'integer', minimum: 1 },
  },
} as const;

const HTEX_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'htex' },
    label: LABEL,
    workers_per_pool: { type: 'integer', minimum: 1 },
    prefetch_capacity: { type: 'integer', minimum: 0 },
    encrypted: { type: 'boolean' },
    heartbeat_period: { type: 'number', exclusiveMinimum: 0 },
    heartbeat_threshold: { type: 'number', exclusiveMinimum: 0 },
    drain_period: { oneOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0 }] },
    drain_before_walltime: { oneOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0 }] },
    address: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] },
    worker_bind_interface: { type: 'string', minLength: 1 },
    worker_port: { type: 'integer', minimum: 0, maximum: 65535 },
    interchange_start_timeout: { type: 'number', exclusiveMinimum: 0 },
    strategy: STRATEGY_SCHEMA,
    provider: { oneOf: [LOCAL_PROVIDER_SCHEMA, SLURM_PROVIDER_JSON_SCHEMA] },
  },
} as const;

const CONTAINERS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    engine: { enum: ['auto', 'podman', 'docker', 'apptainer', 'singularity', 'none'] },
    exe: { type: 'string', minLength: 1 },
    image_cache: { type: 'string', minLength: 1 },
    extra_args: { type: 'array', items: { type: 'string' } },
    default_container: { type: 'string', minLength: 1 },
  },
} as const;

export const CONFIG_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'parsl-cwl configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    executor: { oneOf: [LOCAL_EXECUTOR_SCHEMA, HTEX_SCHEMA] },
    retries: { type: 'integer', minimum: 0 },
    containers: CONTAINERS_SCHEMA,
  },
} as const;
