/** The `--config FILE` format: schema checks with named fields, building executors, the runner using it. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { buildFromConfig, ConfigInvalidError, loadConfigFile, validateConfig } from '../../src/config/index.js';
import { ErrorCode } from '../../src/util/errors.js';
import { HighThroughputExecutor } from '../../src/executors/htex/executor.js';
import { LocalExecutor } from '../../src/executors/local/localExecutor.js';
import { LocalProvider } from '../../src/providers/local.js';
import { alive, descendants, freshRunDir, until } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HTEX_LOCAL = join(ROOT, 'cwl-examples/configs/htex-local.yml');
const MAIN = join(ROOT, 'dist/src/cli/main.js');

function configFile(text: string): string {
  const file = join(freshRunDir('htex-config-'), 'config.yml');
  writeFileSync(file, text);
  return file;
}

describe('config files', () => {
  test('cwl-examples/configs/htex-local.yml builds HTEX with 2 workers on a local provider, encrypted', async () => {
    const built = await buildFromConfig(await loadConfigFile(HTEX_LOCAL), HTEX_LOCAL);
    const htex = built.executors[0];
    assert.ok(htex instanceof HighThroughputExecutor);
    assert.equal(htex.workersPerPool, 2);
    assert.equal(htex.encrypted, true);
    assert.ok(htex.provider instanceof LocalProvider);
    assert.equal(htex.provider.maxBlocks, 1);
    assert.equal(built.retries, 0);
  });

  test('no executor section means the local executor', async () => {
    const built = await buildFromConfig(await validateConfig({ retries: 2 }));
    assert.ok(built.executors[0] instanceof LocalExecutor);
    assert.equal(built.retries, 2);
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['executor: {type: htex, workers_per_pool: 0}', 'executor.workers_per_pool', />= 1/],
    ['executor: {type: htex, worker_count: 2}', 'executor', /worker_count/],
    ['executor: {type: htex, provider: {type: local, max_blocks: -1}}', 'executor.provider.max_blocks', />= 0/],
    ['executor: {type: kubernetes}', 'executor.type', /kubernetes|allowed|equal/],
    ['retries: many', 'retries', /integer/],
  ];
  for (const [text, field, detail] of invalid) {
    test(`'${text}' is refused naming field ${field}`, async () => {
      await assert.rejects(loadConfigFile(configFile(text)), (err: unknown) => {
        assert.ok(err instanceof ConfigInvalidError, String(err));
        assert.equal(err.code, ErrorCode.ConfigInvalid);
        assert.equal(err.field, field, err.message);
        assert.match(err.message, detail);
        return true;
      });
    });
  }

  test('a file that is not YAML, or missing, is a ConfigInvalid error', async () => {
    await assert.rejects(loadConfigFile(configFile('executor: [unclosed')), (err: unknown) => err instanceof ConfigInvalidError && /not valid YAML/.test(err.message));
    await assert.rejects(loadConfigFile('/nonexistent/config.yml'), (err: unknown) => err instanceof ConfigInvalidError && /ENOENT/.test(err.message));
  });
});

describe('parsl-cwl --config', () => {
  test('runs a CommandLineTool on HTEX workers, with the same output as the local executor', () => {
    const dir = freshRunDir('htex-cli-');
    const tool = join(dir, 'echo.cwl');
    writeFileSync(
      tool,
      ['cwlVersion: v1.2', 'class: CommandLineTool', 'baseCommand: echo', 'inputs:', '  msg: {type: string, inputBinding: {position: 1}}', 'stdout: out.txt', 'outputs:', '  out: {type: stdout}', ''].join('\n'),
    );
    const outputs: unknown[] = [];
    for (const [name, extra] of [['htex', ['--config', HTEX_LOCAL]], ['local', []]] as const) {
      const outdir = join(dir, name);
      const r = spawnSync(process.execPath, [MAIN, ...extra, '--outdir', outdir, tool, '--msg', 'hello htex'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(join(outdir, 'out.txt'), 'utf8'), 'hello htex\n');
      const out = JSON.parse(r.stdout) as { out: { checksum: string; size: number; basename: string } };
      outputs.push({ checksum: out.out.checksum, size: out.out.size, basename: out.out.basename });
    }
    assert.deepEqual(outputs[0], outputs[1]);
  });

  test('an invalid config fails before anything starts, naming the field', () => {
    const r = spawnSync(process.execPath, [MAIN, '--config', configFile('executor: {type: htex, heartbeat_period: 0}'), '/nonexistent.cwl'], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /PCWL_CONFIG_INVALID|PCWL_DOCUMENT_NOT_FOUND/);
  });
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`parsl-cwl --config interrupted by ${sig} mid-tool exits 130 and leaves no process behind`, async () => {
    const dir = freshRunDir('htex-cli-');
    const started = join(dir, 'started');
    const tool = join(dir, 'hang.cwl');
    writeFileSync(tool, ['cwlVersion: v1.2', 'class: CommandLineTool', 'requirements: {ShellCommandRequirement: {}}', `arguments: [{valueFrom: "touch ${started}; sleep 60", shellQuote: false}]`, 'inputs: []', 'outputs: []', ''].join('\n'));
    const runner = spawn(process.execPath, [MAIN, '--config', HTEX_LOCAL, '--outdir', join(dir, 'out'), tool], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    runner.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
    await until(() => existsSync(started), 60_000, 'the tool to start on a worker');
    const tree = descendants(runner.pid as number).map((p) => p.pid);
    assert.ok(tree.length >= 5, `interchange, pool, workers, their shells, the tool: saw ${tree.length}`);
    const t0 = Date.now();
    runner.kill(sig);
    assert.equal(await exited, 130, stderr);
    await until(() => alive(tree).length === 0, Math.max(100, 5000 - (Date.now() - t0)), `processes ${alive(tree).join(', ')} to exit`);
  });
}
