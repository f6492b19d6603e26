// The command-start suite against the native spawner (src/native/spawner.c, nativeSpawner.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { SPAWNER_BIN, spawnerBackend } from '../../src/cwl/execution/nativeSpawner.js';
import { commandStarterSuite } from './commandStarterSuite.js';

test('PARSL_CWL_SPAWNER picks the backend; a built spawner is the default; other values are refused', () => {
  const saved = process.env.PARSL_CWL_SPAWNER;
  try {
    delete process.env.PARSL_CWL_SPAWNER;
    assert.equal(spawnerBackend(), existsSync(SPAWNER_BIN) ? 'native' : 'bash');
    process.env.PARSL_CWL_SPAWNER = 'bash';
    assert.equal(spawnerBackend(), 'bash');
    process.env.PARSL_CWL_SPAWNER = 'fork';
    assert.throws(() => spawnerBackend(), /PARSL_CWL_SPAWNER must be 'bash' or 'native'/);
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

commandStarterSuite('native');
