/**
 * Finding the suite: --suite, beside the package, the cache, and a real download (a local HTTP
 * server serving a real tarball, since this machine has no internet), plus clear failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { locateSuite, PINNED_SUITE } from '../../src/conformance/suiteLocation.js';
import { SuiteNotFoundError } from '../../src/conformance/errors.js';
import { ErrorCode } from '../../src/util/errors.js';
import { tempDir, writeTree } from './fixtures.js';

let root: string;
let server: http.Server;
let baseUrl: string;
let requests = 0;

before(async () => {
  root = await tempDir('suiteloc');
  // A tarball shaped like GitHub's: one top folder holding the suite.
  await writeTree(path.join(root, 'src', `cwl-v1.2-${PINNED_SUITE.commit}`), {
    'conformance_tests.yaml': '- {id: t1, tool: tests/t.cwl}\n',
    'tests/t.cwl': 'class: CommandLineTool\n',
  });
  execFileSync('tar', ['czf', path.join(root, 'suite.tar.gz'), '-C', path.join(root, 'src'), `cwl-v1.2-${PINNED_SUITE.commit}`]);
  const tarball = readFileSync(path.join(root, 'suite.tar.gz'));
  server = http.createServer((req, res) => {
    requests++;
    if (req.url === '/suite.tar.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(tarball);
    } else if (req.url === '/garbage.tar.gz') {
      res.writeHead(200);
      res.end('this is not a tarball');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

test('--suite accepts the suite folder or a test list file', async () => {
  const dir = path.join(root, 'src', `cwl-v1.2-${PINNED_SUITE.commit}`);
  assert.deepEqual(await locateSuite({ suite: dir }), { dir, listFile: path.join(dir, 'conformance_tests.yaml'), origin: 'option' });
  const asList = await locateSuite({ suite: path.join(dir, 'conformance_tests.yaml') });
  assert.equal(asList.dir, dir, 'a test list file: its folder is the suite folder');
  assert.equal(asList.listFile, path.join(dir, 'conformance_tests.yaml'));
});

test('--suite naming a folder without conformance_tests.yaml fails clearly', async () => {
  await assert.rejects(locateSuite({ suite: path.join(root, 'nowhere') }), (err: unknown) => err instanceof SuiteNotFoundError && err.code === ErrorCode.SuiteNotFound && /--suite/.test(err.message));
});

test('../shared/cwl-v1.2 beside the package is used when it exists', async () => {
  const pkg = path.join(root, 'layout', 'repo');
  await writeTree(path.join(root, 'layout'), { 'repo/package.json': '{}', 'shared/cwl-v1.2/conformance_tests.yaml': '[]\n' });
  const found = await locateSuite({ packageRoot: pkg, cacheDir: path.join(root, 'unused-cache') });
  assert.equal(found.origin, 'beside-package');
  assert.equal(found.dir, path.join(root, 'layout', 'shared', 'cwl-v1.2'));
});

test('otherwise the pinned commit is downloaded into the cache, then reused from it', async () => {
  const cacheDir = path.join(root, 'cache');
  const before = requests;
  const downloaded = await locateSuite({ packageRoot: path.join(root, 'no-repo'), cacheDir, tarballUrl: `${baseUrl}/suite.tar.gz` });
  assert.equal(downloaded.origin, 'download');
  assert.equal(downloaded.dir, path.join(cacheDir, `cwl-v1.2-${PINNED_SUITE.commit}`));
  assert.ok(existsSync(path.join(downloaded.dir, 'tests', 't.cwl')), 'the top folder of the tarball is stripped');
  assert.equal(requests, before + 1);
  const cached = await locateSuite({ packageRoot: path.join(root, 'no-repo'), cacheDir, tarballUrl: `${baseUrl}/suite.tar.gz` });
  assert.equal(cached.origin, 'cache');
  assert.equal(requests, before + 1, 'no second download');
});

test('a failed download (HTTP 404) names what was tried and what to do', async () => {
  const err = await locateSuite({ packageRoot: path.join(root, 'no-repo'), cacheDir: path.join(root, 'cache404'), tarballUrl: `${baseUrl}/missing.tar.gz` }).catch((e: unknown) => e);
  assert.ok(err instanceof SuiteNotFoundError);
  assert.match(err.message, /HTTP 404/);
  assert.match(err.message, /missing\.tar\.gz/);
  assert.match(err.message, /pass --suite DIR/);
  assert.ok(!existsSync(path.join(root, 'cache404', `cwl-v1.2-${PINNED_SUITE.commit}`)), 'nothing half-written is left in the cache');
});

test('a download that is not a tarball fails with tar\'s complaint', async () => {
  const err = await locateSuite({ packageRoot: path.join(root, 'no-repo'), cacheDir: path.join(root, 'cache-garbage'), tarballUrl: `${baseUrl}/garbage.tar.gz` }).catch((e: unknown) => e);
  assert.ok(err instanceof SuiteNotFoundError);
  assert.match(err.message, /tar exited/);
});

test('an unreachable download host fails with a clear error', async () => {
  // A port nothing listens on: bind one, learn its number, close it.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const err = await locateSuite({ packageRoot: path.join(root, 'no-repo'), cacheDir: path.join(root, 'cache-closed'), tarballUrl: `http://127.0.0.1:${port}/x.tar.gz` }).catch((e: unknown) => e);
  assert.ok(err instanceof SuiteNotFoundError);
  assert.match(err.message, /fetch failed|ECONNREFUSED/);
});
