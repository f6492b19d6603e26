/**
 * The disk cache of compiled input validators, exercised across real processes: the first run
 * writes ajv's standalone code, a later run validates with it (same results, same messages), and a
 * damaged entry is a miss, not a failure.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { fixture } from './fixtures.js';

const run = promisify(execFile);
const loadIndex = pathToFileURL(fileURLToPath(new URL('../../src/cwl/load/index.js', import.meta.url))).href;
const inputsIndex = pathToFileURL(fileURLToPath(new URL('../../src/cwl/inputs/index.js', import.meta.url))).href;

/** A child process that validates `inputs` against the tool and prints the outcome as JSON. */
function script(tool: string, inputs: unknown): string {
  return `
    const { loadProcess } = await import(${JSON.stringify(loadIndex)});
    const { prepareInputs } = await import(${JSON.stringify(inputsIndex)});
    const tool = await loadProcess(${JSON.stringify(tool)});
    try {
      const out = await prepareInputs(tool, ${JSON.stringify(inputs)});
      console.log(JSON.stringify({ ok: out }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, message: err.message }));
    }
  `;
}

describe('validator cache', async () => {
  const fx = await fixture({
    'tool.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: echo\ninputs:\n  n: int\n  words: string[]?\noutputs: []\n',
  });
  after(() => fx.remove());
  const env = { ...process.env, PARSL_CWL_CACHE_DIR: join(fx.dir, 'cache') };
  const validate = async (inputs: unknown): Promise<Record<string, unknown>> => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script(fx.path('tool.cwl'), inputs)], { env });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const cacheFiles = async (): Promise<string[]> => {
    const root = join(fx.dir, 'cache', 'validators');
    const dirs = await readdir(root).catch(() => [] as string[]);
    const files: string[] = [];
    for (const d of dirs) for (const f of await readdir(join(root, d))) files.push(join(root, d, f));
    return files;
  };

  test('the first run writes the validator; later runs give the same results from it', async () => {
    const bad = { n: 'x' };
    const first = await validate(bad);
    assert.equal(first.code, 'PCWL_INPUT_INVALID');
    const files = await cacheFiles();
    assert.equal(files.length, 1);
    assert.match(await readFile(files[0] as string, 'utf8'), /function validate/);
    assert.deepEqual(await validate(bad), first);
    assert.deepEqual(await validate({ n: 2, words: ['a'] }), { ok: { n: 2, words: ['a'] } });
    assert.equal((await cacheFiles()).length, 1, 'the same schema reuses its entry');
  });

  test('a damaged cache entry is a miss: validation still works and the entry is rewritten', async () => {
    await validate({ n: 1 });
    const [file] = await cacheFiles();
    assert.ok(file);
    await writeFile(file, 'this is not javascript {');
    assert.deepEqual(await validate({ n: 'x' }).then((r) => r.code), 'PCWL_INPUT_INVALID');
    assert.match(await readFile(file, 'utf8'), /function validate/);
  });

  test('PARSL_CWL_CACHE=off writes nothing', async () => {
    const offDir = join(fx.dir, 'off-cache');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script(fx.path('tool.cwl'), { n: 1 })], {
      env: { ...process.env, PARSL_CWL_CACHE_DIR: offDir, PARSL_CWL_CACHE: 'off' },
    });
    assert.deepEqual(JSON.parse(stdout), { ok: { n: 1 } });
    await assert.rejects(readdir(offDir), { code: 'ENOENT' });
  });
});
