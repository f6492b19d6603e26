/**
 * The `provider: {type: slurm, ...}` section of a config file: its JSON Schema (for the config
 * loader's ajv validation) and its conversion to SlurmProviderOptions. Keys are Parsl's snake_case.
 */
import { createLauncher } from '../launchers.js';
import type { SlurmProviderOptions } from './slurmOptions.js';
import { SlurmProvider } from './slurmProvider.js';

/** The config-file form of a launcher. */
export const LAUNCHER_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['single_node', 'simple', 'srun'] },
    overrides: { type: 'string' },
  },
} as const;

/** The block limits and launcher every provider section takes (local and slurm alike). */
export const BLOCK_SCALING_JSON_PROPERTIES = {
  init_blocks: { type: 'integer', minimum: 0 },
  min_blocks: { type: 'integer', minimum: 0 },
  max_blocks: { type: 'integer', minimum: 0 },
  parallelism: { type: 'number', minimum: 0, maximum: 1 },
  launcher: LAUNCHER_JSON_SCHEMA,
} as const;

/** JSON Schema of the slurm provider section (draft-07, as ajv takes it). */
export const SLURM_PROVIDER_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'slurm' },
    label: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    partition: { type: 'string' },
    account: { type: 'string' },
    qos: { type: 'string' },
    constraint: { type: 'string' },
    walltime: { type: 'string', pattern: '^(\\d+-)?(\\d+:){0,2}\\d+$' },
    nodes_per_block: { type: 'integer', minimum: 1 },
    cores_per_node: { type: 'integer', minimum: 1 },
    mem_per_node: { type: 'number', exclusiveMinimum: 0 },
    exclusive: { type: 'boolean' },
    scheduler_options: { type: 'string' },
    worker_init: { type: 'string' },
    cmd_timeout: { type: 'number', exclusiveMinimum: 0 },
    ...BLOCK_SCALING_JSON_PROPERTIES,
  },
} as const;

/** A slurm provider section, as validated by SLURM_PROVIDER_JSON_SCHEMA. */
export interface SlurmProviderSection {
  type: 'slurm';
  label?: string;
  partition?: string;
  account?: string;
  qos?: string;
  constraint?: string;
  walltime?: string;
  nodes_per_block?: number;
  cores_per_node?: number;
  mem_per_node?: number;
  exclusive?: boolean;
  scheduler_options?: string;
  worker_init?: string;
  cmd_timeout?: number;
  init_blocks?: number;
  min_blocks?: number;
  max_blocks?: number;
  parallelism?: number;
  launcher?: { type: string; overrides?: string };
}

/** snake_case section → SlurmProviderOptions (defaults stay in SLURM_DEFAULTS). */
export function slurmOptionsFromSection(section: SlurmProviderSection, defaultLabel?: string): SlurmProviderOptions {
  return {
    label: section.label ?? defaultLabel,
    partition: section.partition,
    account: section.account,
    qos: section.qos,
    constraint: section.constraint,
    walltime: section.walltime,
    nodesPerBlock: section.nodes_per_block,
    coresPerNode: section.cores_per_node,
    memPerNode: section.mem_per_node,
    exclusive: section.exclusive,
    schedulerOptions: section.scheduler_options,
    workerInit: section.worker_init,
    cmdTimeout: section.cmd_timeout,
    initBlocks: section.init_blocks,
    minBlocks: section.min_blocks,
    maxBlocks: section.max_blocks,
    parallelism: section.parallelism,
    launcher: section.launcher ? createLauncher(section.launcher) : undefined,
  };
}

/** Builds the provider a config section describes; option errors are ProviderOptionInvalidError. */
export function slurmProviderFromSection(section: SlurmProviderSection, defaultLabel?: string): SlurmProvider {
  return new SlurmProvider(slurmOptionsFromSection(section, defaultLabel));
}
