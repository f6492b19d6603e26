/**
 * Aborting a wait for an image: a caller's abort ends its own wait only, while others still wait for
 * the same pull; when the last caller aborts, the engine command is stopped and the next caller
 * starts a new one. The engine is the real podman behind a wrapper that holds `pull` until the test
 * creates a release file, so the abort always lands while the pull runs.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ensureImage, type ContainerEngine } from '../../src/cwl/containers/index.js';
import { ImageUnavailableError } from '../../src/cwl/errors.js';
import { processesIdle } from '../../src/process/index.js';
import { NONCE, engineGate, scratchDir } from './engineGate.js';

const gate = engineGate('podman');

/** podman behind a gate: `pull` logs `started`, waits for `release`, then logs `released` and runs. */
function heldEngine(): { engine: ContainerEngine; lines: () => string[]; started: (n: number) => Promise<void>; release: () => void } {
  const dir = scratchDir('held');
  const log = join(dir, 'calls.log');
  const exe = join(dir, 'podman');
  writeFileSync(log, '');
  writeFileSync(
    exe,
    `#!/bin/sh
if [ "$1" = pull ]; then
  echo "started $*" >> '${log}'
  while [ ! -e '${dir}/release' ]; do sleep 0.02; done
  echo "released $*" >> '${log}'
fi
exec '${gate.exe()}' "$@"
`,
  );
  chmodSync(exe, 0o755);
  const lines = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return {
    engine: { name: 'podman', exe },
    lines,
    // Waits for the wrapper's own report that n pulls have started (it writes it before holding).
    started: async (n) => {
      const deadline = Date.now() + 30_000;
      while (lines().filter((l) => l.startsWith('started')).length < n) {
        if (Date.now() > deadline) throw new Error(`no pull started: ${lines().join('; ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    release: () => {
      if (!existsSync(join(dir, 'release'))) writeFileSync(join(dir, 'release'), '');
    },
  };
}

describe('aborting ensureImage', gate.options, () => {
  test("one caller's abort ends its wait; the pull goes on for the caller still waiting", async () => {
    const held = heldEngine();
    const req = { dockerPull: `pcwl-abort-shared-${NONCE}` };
    const aborter = new AbortController();
    const first = ensureImage(req, { engine: held.engine, signal: aborter.signal });
    const second = ensureImage(req, { engine: held.engine });
    await held.started(1);
    aborter.abort(new Error('first caller stopped'));
    await assert.rejects(first, /first caller stopped/);
    held.release();
    await assert.rejects(second, ImageUnavailableError);
    assert.deepEqual(
      held.lines().map((l) => l.split(' ')[0]),
      ['started', 'released'],
    );
  });

  test('the last caller aborting stops the pull; the next caller starts a new one', async () => {
    const held = heldEngine();
    const req = { dockerPull: `pcwl-abort-last-${NONCE}` };
    const aborter = new AbortController();
    const only = ensureImage(req, { engine: held.engine, signal: aborter.signal });
    await held.started(1);
    aborter.abort(new Error('stopped'));
    await assert.rejects(only, /stopped/);
    // The stopped pull's process group is gone once every supervised process has settled.
    await processesIdle();
    const again = ensureImage(req, { engine: held.engine });
    await held.started(2);
    held.release();
    await assert.rejects(again, ImageUnavailableError);
    // Two pulls started; only the second was released: the first was killed while held.
    assert.deepEqual(
      held.lines().map((l) => l.split(' ')[0]),
      ['started', 'started', 'released'],
    );
  });

  test('a signal aborted already: nothing starts', async () => {
    const held = heldEngine();
    await assert.rejects(ensureImage({ dockerPull: `pcwl-abort-early-${NONCE}` }, { engine: held.engine, signal: AbortSignal.abort(new Error('early')) }), /early/);
    assert.deepEqual(held.lines(), []);
  });
});
