/**
 * `--preserve-environment VAR` and `--preserve-entire-environment` (src/cli/run/runOptions.ts): the
 * runner's variables reach the tool in the JobSpec, on the local executor and on HTEX workers
 * (test/slurm/preserveEnvOnSlurm.test.ts: in Slurm blocks). HOME, TMPDIR and EnvVarRequirement win.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXAMPLES, runCli, tempDir } from '../cli/cliHarness.js';

const TOOL = fileURLToPath(new URL('../../../test/cache/fixtures/env.cwl', import.meta.url));
const HTEX = path.join(EXAMPLES, 'configs', 'htex-local.yml');

async function toolEnv(options: string[], env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const dir = await tempDir('pcwl-env-');
  const r = await runCli([...options, '--outdir', dir, TOOL], { cwd: dir, env: { ...process.env, XDG_CACHE_HOME: dir, ...env } });
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync((JSON.parse(r.stdout) as { out: { path: string } }).out.path, 'utf8');
  return new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

for (const [where, config] of [['the local executor', []], ['HTEX workers', ['--config', HTEX]]] as const) {
  test(`--preserve-environment passes the runner's variables on ${where}; without it they stay out`, async () => {
    const env = { FOO: 'bar baz', OTHER: 'x', GREETING: 'from the runner' };
    const given = await toolEnv([...config, '--preserve-environment', 'FOO', '--preserve-environment=GREETING'], env);
    assert.equal(given.get('FOO'), 'bar baz');
    assert.equal(given.get('OTHER'), undefined);
    assert.equal(given.get('GREETING'), 'hello', 'EnvVarRequirement wins over a preserved variable');
    assert.notEqual(given.get('HOME'), process.env.HOME);
    const plain = await toolEnv([...config], env);
    // PWD, SHLVL and _ are set by the tool's shell itself.
    const shellOwn = new Set(['PWD', 'SHLVL', '_', 'OLDPWD']);
    assert.deepEqual([...plain.keys()].filter((k) => !shellOwn.has(k)).sort(), ['GREETING', 'HOME', 'PATH', 'TMPDIR']);
  });
}

test('--preserve-entire-environment passes every variable; a bad variable name is a usage error', async () => {
  const given = await toolEnv(['--preserve-entire-environment'], { FOO: 'bar', PCWL_ANOTHER: 'y' });
  assert.equal(given.get('FOO'), 'bar');
  assert.equal(given.get('PCWL_ANOTHER'), 'y');
  assert.equal(given.get('GREETING'), 'hello');
  const r = await runCli(['--preserve-environment', 'A=B', TOOL]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\[PCWL_USAGE\] --preserve-environment needs a variable name, not 'A=B'/);
});

test('refused and ignored cwltool flags: one line for the refused one, --help says why each ignored one changes nothing', async () => {
  const refused = await runCli(['--beta-dependency-resolvers-configuration', 'deps.yml', TOOL]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^parsl-cwl: error: \[PCWL_USAGE\] --beta-dependency-resolvers-configuration is not supported: SoftwareRequirement/);
  const help = await runCli(['--help']);
  for (const flag of ['--cachedir', '--no-cache', '--preserve-environment', '--preserve-entire-environment', '--tmp-outdir-prefix', '--timestamps', '--relax-path-checks\n      file names', '--skip-schemas\n      $schemas', '--move-outputs\n      outputs are moved']) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const dir = await tempDir('pcwl-flags-');
  const both = await runCli(['--tmpdir-prefix', `${dir}/a-`, '--tmp-outdir-prefix', `${dir}/b-`, TOOL]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--tmp-outdir-prefix and --tmpdir-prefix differ/);
  const stamped = await runCli(['--timestamps', '--tmp-outdir-prefix', `${dir}/run-`, '--outdir', dir, TOOL], { cwd: dir });
  assert.equal(stamped.code, 0, stamped.stderr);
  assert.match(stamped.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z parsl-cwl: env\.cwl: success/m);
});
