// The command-start suite against the native spawner (src/native/spawner.c, src/process/nativeBackend.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backendFromEnvironment, EnvironmentSettingError, ProcessLostError, SPAWNER_BIN, Supervisor } from '../../src/process/index.js';
import { commandStarterSuite } from './commandStarterSuite.js';

test('PARSL_CWL_SPAWNER picks the backend; a built spawner is the default; other values are refused', () => {
  const saved = process.env.PARSL_CWL_SPAWNER;
  try {
    delete process.env.PARSL_CWL_SPAWNER;
    assert.deepEqual(backendFromEnvironment(), { name: existsSync(SPAWNER_BIN) ? 'native' : 'node', forced: false });
    process.env.PARSL_CWL_SPAWNER = 'node';
    assert.deepEqual(backendFromEnvironment(), { name: 'node', forced: true });
    for (const value of ['fork', 'bash']) {
      process.env.PARSL_CWL_SPAWNER = value;
      assert.throws(() => backendFromEnvironment(), (err: unknown) => {
        assert.ok(err instanceof EnvironmentSettingError);
        assert.equal(err.code, 'PCWL_CONFIG_INVALID');
        assert.match(err.message, new RegExp(`environment variable PARSL_CWL_SPAWNER='${value}': must be 'native' or 'node'`));
        return true;
      });
    }
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

/** A supervisor whose spawner binary cannot be started (not executable), PARSL_CWL_SPAWNER as given. */
async function supervisorWithBrokenSpawner(forced: string | undefined) {
  const d = await mkdtemp(path.join(os.tmpdir(), 'pcwl-broken-spawner-'));
  await writeFile(path.join(d, 'pcwl-spawner'), 'not a program', { mode: 0o644 });
  const saved = process.env.PARSL_CWL_SPAWNER;
  if (forced === undefined) delete process.env.PARSL_CWL_SPAWNER;
  else process.env.PARSL_CWL_SPAWNER = forced;
  try {
    const supervisor = new Supervisor({ spawnerBin: path.join(d, 'pcwl-spawner') });
    void supervisor.backend; // chosen now, while PARSL_CWL_SPAWNER is set
    return { d, supervisor };
  } finally {
    process.env.PARSL_CWL_SPAWNER = saved;
  }
}

test('a spawner binary that cannot run here sends its processes to Node\'s spawn, unless native is forced', async () => {
  const { d, supervisor } = await supervisorWithBrokenSpawner(undefined);
  assert.equal(supervisor.backend.name, 'native');
  const io = (n: string) => ({ cwd: d, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdout: path.join(d, n), stderr: path.join(d, `e${n}`) });
  const parent = ['sh', '-c', 'echo $PPID'];
  for (const n of ['first', 'second']) {
    assert.equal((await supervisor.run({ ...io(n), argv: parent })).exitCode, 0);
    assert.equal((await readFile(path.join(d, n), 'utf8')).trim(), String(process.pid), `the ${n} command was not started by this process`);
  }
  assert.equal(supervisor.backend.name, 'node');

  const forced = await supervisorWithBrokenSpawner('native');
  await assert.rejects(forced.supervisor.run({ ...io('f1'), cwd: forced.d, argv: ['true'] }), (e: unknown) => e instanceof ProcessLostError && /the native spawner could not run/.test(e.message));
});

test('the native backend reports the rusage of what it ran', async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'pcwl-rusage-'));
  const supervisor = new Supervisor({ backend: 'native' });
  const out = await supervisor.run({ argv: ['/bin/sh', '-c', 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done'], cwd: d, env: {}, stdout: path.join(d, 'o'), stderr: path.join(d, 'o') });
  assert.equal(out.exitCode, 0);
  const r = out.rusage ?? assert.fail('no rusage');
  assert.ok(r.userMs + r.systemMs > 1, `CPU time ${r.userMs} + ${r.systemMs} ms for 100,000 loop turns`);
  assert.ok(r.maxRssKb > 100, `peak RSS ${r.maxRssKb} KiB`);
});

commandStarterSuite('native');
