/**
 * bin/parsl-cwl and its launcher (src/cli/launch.cts): the bundled run path gives the same results
 * as the ES module entry, the V8 code cache is written once and then used (and survives a corrupt
 * file), the command works through a symbolic link as npm installs it, subcommands go to the ES
 * module entry, NODE_EXTRA_CA_CERTS still applies to remote documents although Node starts
 * without it, and a run that exits at once still delivers a large output object through a pipe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BIN, EXAMPLES, fixture, runCli, tempDir } from './cliHarness.js';

interface FileOut {
  basename: string;
  checksum: string;
  size: number;
  location: string;
}

test('the bundled run path and the ES module entry give the same output object', async () => {
  const outs = [await tempDir(), await tempDir()];
  const viaBin = await runCli(['--quiet', '--outdir', outs[0]!, 'echo.cwl', 'echo-job.yml']);
  const viaEsm = await runCli(['--quiet', '--outdir', outs[1]!, 'echo.cwl', 'echo-job.yml'], { entry: 'esm' });
  assert.equal(viaBin.code, 0, viaBin.stderr);
  assert.equal(viaEsm.code, 0, viaEsm.stderr);
  const a = (JSON.parse(viaBin.stdout) as { out: FileOut }).out;
  const b = (JSON.parse(viaEsm.stdout) as { out: FileOut }).out;
  assert.deepEqual([a.basename, a.checksum, a.size], [b.basename, b.checksum, b.size]);
  assert.ok(a.location.startsWith(`file://${outs[0]}/`), a.location);
});

test('the code cache is written by the first run, used by the next, and rewritten when corrupt', async () => {
  const cacheHome = await tempDir('pcwl-code-cache-');
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome, PARSL_CWL_LAUNCH_DEBUG: '1' };
  const run = async () => {
    const r = await runCli(['--outdir', await tempDir(), 'echo.cwl', 'echo-job.yml'], { env });
    assert.equal(r.code, 0, r.stderr);
    return /launch: bundle, code cache (\w+) \((.+)\)/.exec(r.stderr) ?? assert.fail(`no code cache line in:\n${r.stderr}`);
  };
  const [, first, file] = await run();
  assert.equal(first, 'miss');
  assert.ok(readFileSync(file!).length > 10_000, 'the cache holds compiled code');
  assert.equal((await run())[1], 'hit');
  writeFileSync(file!, Buffer.alloc(4096, 7));
  assert.equal((await run())[1], 'rejected');
  assert.equal((await run())[1], 'hit', 'the rejected cache was replaced');
  assert.deepEqual(readdirSync(path.dirname(file!)), [path.basename(file!)], 'one cache file per build, no temporaries left');
});

test('the command works through a symbolic link, as npm installs it', async () => {
  const binDir = await tempDir('pcwl-bin-');
  const link = path.join(binDir, 'cwl-runner');
  symlinkSync(BIN, link);
  const version = execFileSync(link, ['--version'], { encoding: 'utf8' });
  assert.match(version, /^parsl-cwl \d+\.\d+\.\d+/);
  const out = await tempDir();
  const result = JSON.parse(execFileSync(link, ['--quiet', '--outdir', out, path.join(EXAMPLES, 'echo.cwl'), path.join(EXAMPLES, 'echo-job.yml')], { encoding: 'utf8' })) as { out: FileOut };
  assert.equal(result.out.size, 21);
});

test('--debug runs the ES module entry, for readable stack traces', async () => {
  const r = await runCli(['--debug', '--outdir', await tempDir(), 'echo.cwl', 'echo-job.yml'], { env: { ...process.env, PARSL_CWL_LAUNCH_DEBUG: '1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /launch: --debug: ES module entry/);
});

test('subcommands go to the ES module entry', async () => {
  const r = await runCli(['typegen', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /typegen/);
});

test('a remote document is fetched with the certificates of NODE_EXTRA_CA_CERTS, though Node starts without them', async (t) => {
  const dir = await tempDir('pcwl-tls-');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not installed');
    return;
  }
  const tool = readFileSync(path.join(EXAMPLES, 'echo.cwl'), 'utf8');
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(tool);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `https://localhost:${(server.address() as AddressInfo).port}/echo.cwl`;
    const args = ['--quiet', '--no-doc-cache', '--outdir', await tempDir(), url, '--message', 'over tls'];
    const trusted = await runCli(args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert } });
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal((JSON.parse(trusted.stdout) as { out: FileOut }).out.size, 'over tls\n'.length);
    const withoutExtraCerts = { ...process.env };
    delete withoutExtraCerts.NODE_EXTRA_CA_CERTS;
    const untrusted = await runCli(args, { env: withoutExtraCerts });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /echo\.cwl.*(self-signed|certificate)/i);
  } finally {
    server.close();
  }
});

// A run exits as soon as its result is out (src/cli/settle.ts), not when Node's event loop runs dry.
// Through a pipe, stdout is asynchronous: a large output object must still arrive whole, on both entries.
test('a 2 MB output object arrives whole through a pipe, though the run exits without waiting for the event loop', async () => {
  const dir = await fixture({
    'big.cwl': [
      'cwlVersion: v1.2',
      'class: ExpressionTool',
      'requirements: {InlineJavascriptRequirement: {}}',
      'inputs: []',
      'outputs: {big: string}',
      "expression: \"${ return {big: 'x'.repeat(2000000)}; }\"",
      '',
    ].join('\n'),
  });
  for (const entry of ['bin', 'esm'] as const) {
    const res = await runCli(['--quiet', 'big.cwl'], { cwd: dir, entry });
    assert.equal(res.code, 0, `${entry}: ${res.stderr}`);
    const out = JSON.parse(res.stdout) as { big: string };
    assert.equal(out.big.length, 2_000_000, entry);
  }
});
