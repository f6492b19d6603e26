import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from './cliHarness.js';
import type { Process } from '../../src/cwl/model.js';

test('the document cache hits only while every file read is unchanged', async () => {
  process.env.XDG_CACHE_HOME = await tempDir('pcwl-cache-');
  const { cachedProcess, storeProcess } = await import('../../src/cli/run/documentCache.js');
  const dir = await tempDir();
  const doc = path.join(dir, 'tool.cwl');
  const imported = path.join(dir, 'part.yml');
  await writeFile(doc, 'cwlVersion: v1.2\n');
  await writeFile(imported, 'x: 1\n');
  const proc = { id: pathToFileURL(doc).href, class: 'CommandLineTool', inputs: [], outputs: [] } as unknown as Process;
  assert.equal(cachedProcess(doc), undefined);
  storeProcess(doc, proc, new Map([[pathToFileURL(doc).href, 'cwlVersion: v1.2\n'], [pathToFileURL(imported).href, 'x: 1\n']]));
  assert.deepEqual(cachedProcess(doc), proc);
  assert.equal(cachedProcess(`${doc}#other`), undefined, 'a fragment is a different entry');
  await writeFile(imported, 'x: 2\n');
  assert.equal(cachedProcess(doc), undefined, 'a changed imported file is a miss');
});

test('a parsed job file is cached against its text', async () => {
  process.env.XDG_CACHE_HOME ??= await tempDir('pcwl-cache-');
  const { cachedJobFile, storeJobFile } = await import('../../src/cli/run/documentCache.js');
  const dir = await tempDir();
  const jobFile = path.join(dir, 'job.yml');
  await writeFile(jobFile, 'message: hi\n');
  const job = { uri: pathToFileURL(jobFile).href, inputs: { message: 'hi' }, requirements: [] };
  assert.equal(cachedJobFile(jobFile), undefined);
  storeJobFile(jobFile, job, 'message: hi\n');
  assert.deepEqual(cachedJobFile(jobFile), job);
  await writeFile(jobFile, 'message: bye\n');
  assert.equal(cachedJobFile(jobFile), undefined);
});
