/**
 * The public API (src/index.ts) as a program sees it: its names are pinned here, so an export added
 * or dropped by accident fails this test; the experimental ones carry `@experimental` on their
 * declaration; and loadConfig turns the CLI's config files (and the same data built in code) into a
 * kernel's executors that run bash apps and CWL tools.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as api from '../../src/index.js';
import { ConfigInvalidError, DataFlowKernel, ErrorCode, HighThroughputExecutor, LocalExecutor, LocalProvider, bashApp, loadConfig, loadTool, type CwlFile } from '../../src/index.js';
import { tempDir } from './fixtures.js';

const repo = resolve(import.meta.dirname, '../../..');
const distSrc = join(repo, 'dist', 'src');

/** Names a program can import as values. Adding one here is a decision, not an accident. */
const VALUES = [
  'AppFuture',
  'BashExitFailure',
  'CertificateError',
  'ConditionNotBooleanError',
  'ConfigInvalidError',
  'DataFlowKernel',
  'DependencyError',
  'DocumentInvalidError',
  'DocumentNotFoundError',
  'ErrorCode',
  'ExecutorFailedError',
  'ExecutorStateError',
  'HighThroughputExecutor',
  'InputFileMissingError',
  'InputInvalidError',
  'InputUnknownError',
  'InterchangeFailedError',
  'KernelConfigError',
  'KernelShutDownError',
  'KernelStateError',
  'LocalExecutor',
  'LocalProvider',
  'ManagerLostError',
  'ParslCwlError',
  'PickValueError',
  'ProtocolError',
  'ProviderCommandFailedError',
  'ProviderCommandTimeoutError',
  'ProviderOptionInvalidError',
  'ScatterInputError',
  'SimpleLauncher',
  'SingleNodeLauncher',
  'SlurmProvider',
  'SrunLauncher',
  'SubmitFailedError',
  'TaskWalltimeExceededError',
  'UnsupportedVersionError',
  'VersionMismatchError',
  'WorkerLostError',
  'WorkflowInvalidError',
  'WorkflowProgress',
  'WorkflowStepFailedError',
  'YamlSyntaxError',
  'bashApp',
  'lazyTool',
  'loadConfig',
  'loadJobFile',
  'loadProcess',
  'loadTool',
  'prepareInputs',
  'runWorkflowOnKernel',
];

/** Names exported as types only. */
const TYPES = [
  'BashApp',
  'BashAppOptions',
  'BashCallOptions',
  'BashResult',
  'BuiltConfig',
  'CheckpointMode',
  'CommandLineTool',
  'ContainerMode',
  'ContainerSettings',
  'CwlApp',
  'CwlAppInfo',
  'CwlDirectory',
  'CwlFile',
  'DataFlowKernelConfig',
  'Deferred',
  'ExecutionProvider',
  'Executor',
  'ExpressionTool',
  'HtexOptions',
  'JobFile',
  'KernelState',
  'Launcher',
  'LoadOptions',
  'LoadToolOptions',
  'LocalExecutorOptions',
  'LocalProviderOptions',
  'ManagerInfo',
  'Operation',
  'ParslCwlConfig',
  'PrepareInputsOptions',
  'Process',
  'ProgressCounts',
  'RetryHandler',
  'RetryInfo',
  'ShutdownMode',
  'ShutdownOptions',
  'SlurmProviderOptions',
  'TaskCounts',
  'TaskEvent',
  'TaskEventListener',
  'TaskEventName',
  'TaskState',
  'Workflow',
  'WorkflowRunRequest',
  'WorkflowRunResult',
];

/** Public names that may change before 1.0: their declarations say `@experimental`. */
const EXPERIMENTAL = [
  'ContainerMode',
  'ContainerSettings',
  'ExecutionProvider',
  'HighThroughputExecutor',
  'HtexOptions',
  'Launcher',
  'LoadOptions',
  'LocalProvider',
  'LocalProviderOptions',
  'ManagerInfo',
  'ProgressCounts',
  'SimpleLauncher',
  'SingleNodeLauncher',
  'SlurmProvider',
  'SlurmProviderOptions',
  'SrunLauncher',
  'WorkflowProgress',
  'WorkflowRunRequest',
  'WorkflowRunResult',
  'loadProcess',
  'runWorkflowOnKernel',
];

/** Every name in the `export { ... }` / `export type { ... }` lists of the built index.d.ts. */
function exportedNames(): string[] {
  const dts = readFileSync(join(distSrc, 'index.d.ts'), 'utf8');
  assert.doesNotMatch(dts, /^export \*/m, 'the index names every export');
  const names: string[] = [];
  for (const m of dts.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop();
      if (name) names.push(name);
    }
  }
  return names.sort();
}

/** Names whose declaration in a built .d.ts under dist/src has a doc comment with `@experimental`. */
function experimentalDeclarations(dir: string, found = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) experimentalDeclarations(full, found);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(full, 'utf8');
      const decl = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export (?:declare )?(?:abstract )?(?:class|function|const|interface|type|enum) (\w+)/g;
      for (const m of text.matchAll(decl)) if (/@experimental\b/.test(m[1]!)) found.add(m[2]!);
    }
  }
  return found;
}

test('the public names are exactly the pinned ones (values at run time, types in index.d.ts)', () => {
  assert.deepEqual(Object.keys(api).sort(), [...VALUES].sort());
  assert.deepEqual(exportedNames(), [...VALUES, ...TYPES].sort());
});

test('experimental public names, and only those, are tagged @experimental where they are declared', () => {
  const publicNames = new Set([...VALUES, ...TYPES]);
  const tagged = [...experimentalDeclarations(distSrc)].filter((n) => publicNames.has(n)).sort();
  assert.deepEqual(tagged, [...EXPERIMENTAL].sort());
});

test('internals stay out of the public API', () => {
  const names = new Set(exportedNames());
  for (const internal of ['runTask', 'TaskEnvelope', 'TaskSpec', 'TaskOutcome', 'JobSpec', 'JobResult', 'BlockScaler', 'LoadCache', 'formatProgress', 'submitJob', 'AppDefinition']) {
    assert.ok(!names.has(internal), `${internal} is exported`);
  }
});

test('loadConfig of cwl-examples/configs/htex-local.yml: a kernel on HTEX runs a bash app and a CWL tool, then shuts down its pools', { timeout: 120_000 }, async () => {
  const dir = tempDir('pcwl-api-');
  const setup = await loadConfig(join(repo, 'cwl-examples/configs/htex-local.yml'));
  assert.equal(setup.retries, 0);
  assert.equal(setup.executors.length, 1);
  const htex = setup.executors[0];
  assert.ok(htex instanceof HighThroughputExecutor);
  assert.ok(htex.provider instanceof LocalProvider);

  const dfk = await DataFlowKernel.load({ ...setup, runDir: join(dir, 'runinfo') });
  try {
    // The kernel has the config's executor and no other: every task below runs on HTEX pools.
    assert.equal(dfk.executor('htex'), htex);
    const hello = bashApp((a: { name: string }) => `printf %s 'hello ${a.name}' | wc -c`, { executor: 'htex' });
    const said = await hello({ name: 'api' }, { stdout: join(dir, 'hello.out') });
    assert.equal(said.exitCode, 0);
    assert.equal(Number(readFileSync(join(dir, 'hello.out'), 'utf8').trim()), 'hello api'.length);

    const echo = await loadTool(join(repo, 'cwl-examples/echo.cwl'), { dfk });
    const out = (await echo({ message: 'from a config file' })) as { out: CwlFile };
    assert.equal(readFileSync(out.out.path!, 'utf8'), 'from a config file\n');
    assert.ok(htex.managers().length >= 1, 'a pool registered with the interchange');
  } finally {
    await dfk.shutdown();
  }
  // The interchange and its pools were this process's children; shutdown ended them.
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  const left = ps.stdout.split('\n').filter((l) => l.trim() && !/\bps -o\b/.test(l));
  assert.deepEqual(left, [], 'no child process is left after shutdown');
});

test('loadConfig of the same data built in code; an invalid object names "(in code)" and the field', async () => {
  const setup = await loadConfig({ executor: { type: 'local', label: 'mine', max_workers: 2 }, retries: 1 });
  assert.ok(setup.executors[0] instanceof LocalExecutor);
  assert.equal(setup.executors[0].label, 'mine');
  assert.equal(setup.retries, 1);
  await assert.rejects(loadConfig({ executor: { type: 'htex', workers_per_pool: 0 } }), (err: unknown) => {
    assert.ok(err instanceof ConfigInvalidError, String(err));
    assert.equal(err.code, ErrorCode.ConfigInvalid);
    assert.equal(err.field, 'executor.workers_per_pool');
    assert.match(err.message, /\(in code\)/);
    return true;
  });
  await assert.rejects(loadConfig(join(tempDir('pcwl-api-'), 'missing.yml')), (err: unknown) => err instanceof ConfigInvalidError && /missing\.yml/.test(err.message));
});
