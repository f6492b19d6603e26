/**
 * Reads and validates a `--config FILE` (YAML or JSON) against CONFIG_JSON_SCHEMA, then builds
 * the kernel's executor from it. ajv and js-yaml are loaded only when a config file is used.
 */
import { readFile } from 'node:fs/promises';
import type { Executor } from '../executors/index.js';
import type { ExecutionProvider } from '../providers/index.js';
import { ConfigInvalidError } from './errors.js';
import { DEFAULT_EXECUTOR, DEFAULT_HTEX_PROVIDER, DEFAULT_RETRIES } from './defaults.js';
import type { ContainersSection, HtexSection, ParslCwlConfig } from './types.js';
import path from 'node:path';
import { CONFIG_JSON_SCHEMA } from './schema.js';
import { yamlLimitBroken } from '../util/index.js';

interface AjvError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}
type AjvValidate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
interface AjvLike {
  compile(schema: unknown): AjvValidate;
}

/** Parse and validate a config file. */
export async function loadConfigFile(file: string): Promise<ParslCwlConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigInvalidError(file, '', `cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
  let data: unknown;
  try {
    const yaml = await import('js-yaml');
    data = yaml.load(text) ?? {};
  } catch (cause) {
    throw new ConfigInvalidError(file, '', `is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  // The same reading limits as job files (an alias bomb must not hang the runner).
  const broken = yamlLimitBroken(text, data);
  if (broken !== undefined) throw new ConfigInvalidError(file, '', `${broken}; refusing to read it`);
  return validateConfig(data, file);
}

/** Validate config data (from a file, or built in code) against the schema. */
export async function validateConfig(data: unknown, source = '(in code)'): Promise<ParslCwlConfig> {
  const mod = await import('ajv');
  // ajv is CommonJS: under NodeNext its class is `default` or `default.default` depending on the loader.
  const Ajv = ((mod.default as unknown as { default?: unknown }).default ?? mod.default) as unknown as new (opts: Record<string, unknown>) => AjvLike;
  const validate = new Ajv({ allErrors: false, strict: false }).compile(CONFIG_JSON_SCHEMA);
  if (!validate(data)) {
    // oneOf failures report every branch; the most specific error names the deepest path.
    const errors = [...(validate.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
    const e = errors[0];
    const field = e ? e.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const detail = e ? `${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` ('${String(e.params.additionalProperty)}')` : ''}${e.params && 'allowedValue' in e.params ? ` (${JSON.stringify(e.params.allowedValue)})` : ''}` : 'is invalid';
    throw new ConfigInvalidError(source, field, detail);
  }
  return data as ParslCwlConfig;
}

/**
 * What a program needs from a config to make a kernel: the executor object(s), not started (the
 * kernel starts them), and the kernel's retry budget. It is a part of DataFlowKernelConfig, so
 * `DataFlowKernel.load({ ...built, runDir })` takes it as it is.
 */
export interface BuiltConfig {
  executors: Executor[];
  retries: number;
  /** The `containers:` section as JobOptions.container (absent when the file has none). */
  containers?: ContainersConfig;
}

/**
 * The `containers:` section in the shape every job carries (ContainerSettings, src/cwl/containers/
 * settings.ts, which the CLI passes it as). Written out here rather than imported, so that config
 * does not depend on the CWL layer: the CLI's assignment checks that the two shapes agree.
 */
export interface ContainersConfig {
  mode: 'auto' | 'off' | 'podman' | 'docker' | 'apptainer';
  exe?: string;
  cacheDir?: string;
  extraArgs?: string[];
  defaultContainer?: string;
}

/** `containers:` as the settings every job carries. */
export function containerSettings(section: ContainersSection | undefined): ContainersConfig | undefined {
  if (section === undefined) return undefined;
  const engine = section.engine ?? 'auto';
  const mode = engine === 'none' ? 'off' : engine === 'singularity' ? 'apptainer' : engine;
  return {
    mode,
    ...(section.exe !== undefined ? { exe: section.exe } : {}),
    ...(section.image_cache !== undefined ? { cacheDir: path.resolve(section.image_cache) } : {}),
    ...(section.extra_args !== undefined ? { extraArgs: section.extra_args } : {}),
    ...(section.default_container !== undefined ? { defaultContainer: section.default_container } : {}),
  };
}

/**
 * The one way from a config to a kernel's executors, for the CLI's `--config FILE` and for programs:
 * a path is read as YAML or JSON (the `--config` format, docs/configuration.md); an object is the
 * same data built in code. Both are checked against the schema, and a failure is one
 * ConfigInvalidError naming the file (or `(in code)`) and the field.
 */
export async function loadConfig(source: string | ParslCwlConfig): Promise<BuiltConfig> {
  if (typeof source === 'string') return buildFromConfig(await loadConfigFile(source), source);
  return buildFromConfig(await validateConfig(source));
}

/** Build the executor a validated config describes (not started: the kernel starts it). */
export async function buildFromConfig(config: ParslCwlConfig, source = '(in code)'): Promise<BuiltConfig> {
  const section = config.executor ?? DEFAULT_EXECUTOR;
  const retries = config.retries ?? DEFAULT_RETRIES;
  const containers = containerSettings(config.containers);
  const extra = containers === undefined ? {} : { containers };
  if (section.type === 'local') {
    const { LocalExecutor } = await import('../executors/index.js');
    return { executors: [new LocalExecutor({ label: section.label, maxWorkers: section.max_workers })], retries, ...extra };
  }
  return { executors: [await buildHtex(section, source)], retries, ...extra };
}

async function buildHtex(section: HtexSection, source: string): Promise<Executor> {
  const providerSection = section.provider ?? DEFAULT_HTEX_PROVIDER;
  let provider: ExecutionProvider;
  try {
    if (providerSection.type === 'local') {
      const { LocalProvider, createLauncher } = await import('../providers/index.js');
      provider = new LocalProvider({
        initBlocks: providerSection.init_blocks,
        minBlocks: providerSection.min_blocks,
        maxBlocks: providerSection.max_blocks,
        parallelism: providerSection.parallelism,
        launcher: providerSection.launcher ? createLauncher(providerSection.launcher) : undefined,
      });
    } else {
      const { slurmProviderFromSection } = await import('../providers/slurm/index.js');
      provider = slurmProviderFromSection(providerSection, section.label);
    }
  } catch (cause) {
    throw new ConfigInvalidError(source, 'executor.provider', (cause as Error).message, { cause });
  }
  const { HighThroughputExecutor } = await import('../executors/htex/index.js');
  const strategy = section.strategy;
  return new HighThroughputExecutor({
    label: section.label,
    provider,
    workersPerPool: section.workers_per_pool,
    prefetchCapacity: section.prefetch_capacity,
    encrypted: section.encrypted,
    heartbeatPeriodSec: section.heartbeat_period,
    heartbeatThresholdSec: section.heartbeat_threshold,
    drainPeriodSec: section.drain_period,
    drainBeforeWalltimeSec: section.drain_before_walltime,
    addresses: section.address === undefined ? undefined : Array.isArray(section.address) ? section.address : [section.address],
    workerBindInterface: section.worker_bind_interface,
    workerPort: section.worker_port,
    interchangeStartTimeoutSec: section.interchange_start_timeout,
    strategy: strategy === false ? false : strategy === undefined ? undefined : { periodSec: strategy.period, maxIdleTimeSec: strategy.max_idle_time, maxBlockFailures: strategy.max_block_failures },
  });
}
