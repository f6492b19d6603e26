// The command-start suite against the native spawner (src/native/spawner.c, nativeSpawner.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SPAWNER_BIN, spawnerBackend } from '../../src/cwl/execution/nativeSpawner.js';
import { CommandShellPool } from '../../src/cwl/execution/commandShells.js';
import { EnvironmentSettingError } from '../../src/cwl/errors.js';
import { commandStarterSuite } from './commandStarterSuite.js';

test('PARSL_CWL_SPAWNER picks the backend; a built spawner is the default; other values are refused', () => {
  const saved = process.env.PARSL_CWL_SPAWNER;
  try {
    delete process.env.PARSL_CWL_SPAWNER;
    assert.equal(spawnerBackend(), existsSync(SPAWNER_BIN) ? 'native' : 'bash');
    process.env.PARSL_CWL_SPAWNER = 'bash';
    assert.equal(spawnerBackend(), 'bash');
    process.env.PARSL_CWL_SPAWNER = 'fork';
    assert.throws(() => spawnerBackend(), (err: unknown) => {
      assert.ok(err instanceof EnvironmentSettingError);
      assert.equal(err.code, 'PCWL_CONFIG_INVALID');
      assert.match(err.message, /environment variable PARSL_CWL_SPAWNER='fork': must be 'bash' or 'native'/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.PARSL_CWL_SPAWNER;
    else process.env.PARSL_CWL_SPAWNER = saved;
  }
});

// The build compiles the spawner wherever a C compiler exists (all test machines have gcc): a
// missing binary is a failure here, not a skip.
test('the build produced the native spawner', () => {
  assert.ok(existsSync(SPAWNER_BIN), `${SPAWNER_BIN} is missing: did npm run build find a C compiler?`);
});

/** A pool whose spawner binary cannot be started (not executable), PARSL_CWL_SPAWNER as given. */
async function poolWithBrokenSpawner(forced: string | undefined) {
  const d = await mkdtemp(path.join(os.tmpdir(), 'pcwl-broken-spawner-'));
  await writeFile(path.join(d, 'pcwl-spawner'), 'not a program', { mode: 0o644 });
  const saved = process.env.PARSL_CWL_SPAWNER;
  if (forced === undefined) delete process.env.PARSL_CWL_SPAWNER;
  else process.env.PARSL_CWL_SPAWNER = forced;
  try {
    return { d, pool: new CommandShellPool({ spawnerBin: path.join(d, 'pcwl-spawner') }) };
  } finally {
    process.env.PARSL_CWL_SPAWNER = saved;
  }
}

test('a spawner binary that cannot run here sends its jobs to the bash shells, unless native is forced', async () => {
  const { d, pool } = await poolWithBrokenSpawner(undefined);
  assert.equal(pool.backend, 'native');
  const io = (n: string) => ({ cwd: d, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdout: path.join(d, n), stderr: path.join(d, `e${n}`), jobName: 'x' });
  const parent = ['sh', '-c', 'cat /proc/$PPID/comm'];
  // The first command of the pool is spawned from Node; the second would go to the spawner.
  assert.equal((await pool.run({ ...io('first'), argv: parent }, 2000)).exitCode, 0);
  assert.equal((await pool.run({ ...io('second'), argv: parent }, 2000)).exitCode, 0);
  assert.equal((await readFile(path.join(d, 'second'), 'utf8')).trim(), 'bash');
  assert.equal(pool.backend, 'bash');

  const forced = await poolWithBrokenSpawner('native');
  await forced.pool.run({ ...io('f1'), cwd: forced.d, argv: ['true'] }, 2000);
  await assert.rejects(forced.pool.run({ ...io('f2'), cwd: forced.d, argv: ['true'] }, 2000), /the native spawner could not run/);
});

commandStarterSuite('native');
