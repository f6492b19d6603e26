/**
 * ensureImage with the real engines, podman and Docker (test/containers/engineGate.ts says when
 * each runs): an image that does not exist, an image already there, dockerFile, dockerLoad and
 * dockerImport, and one engine command for many concurrent callers, counted by a wrapper of the
 * engine's program; with pull: false (--disable-pull) nothing is fetched or made.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ensureImage, type ContainerEngine } from '../../src/cwl/containers/index.js';
import { ImageUnavailableError } from '../../src/cwl/errors.js';
import { BASE_IMAGE, NONCE, countingEngine, engineGate, imageExists, removeImages, scratchDir, type OciEngine } from './engineGate.js';

/** A root filesystem tarball of one small file (no program: these images are inspected, not run). */
function tinyRootfs(dir: string, gzip = false): string {
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'hello.txt'), `hello ${NONCE}\n`);
  const tarball = join(dir, gzip ? 'rootfs.tar.gz' : 'rootfs.tar');
  execFileSync('tar', [gzip ? '-czf' : '-cf', tarball, '-C', root, '.']);
  return tarball;
}

for (const name of ['podman', 'docker'] as OciEngine[]) {
  const gate = engineGate(name);
  const made: string[] = [];
  // The images a test made, removed however it ended.
  after(() => {
    if (made.length > 0 && gate.options.skip === false) removeImages(gate.exe(), ...made);
  });
  const engineAt = (exe = gate.exe()): ContainerEngine => ({ name, exe });

  describe(`ensureImage with ${name}`, gate.options, () => {
    test('an image that does not exist: one error naming the image, the engine and its message', async () => {
      const image = `docker.io/library/pcwl-no-such-image:${NONCE}`;
      const err = await ensureImage({ dockerPull: image }, { engine: engineAt() }).then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ImageUnavailableError, String(err));
      assert.equal(err.code, 'PCWL_IMAGE_UNAVAILABLE');
      assert.equal(err.message.split('\n').length, 1, err.message);
      assert.match(err.message, new RegExp(`image '${image}' is not available to ${name}: ${name} pull failed: .+; check the name`));
    });

    test('an image already there: found by its short name, nothing pulled', async () => {
      const engine = countingEngine(gate.exe());
      const image = await ensureImage({ dockerPull: 'debian:stable-slim' }, { engine: engineAt(engine.exe) });
      assert.equal(image, 'debian:stable-slim');
      assert.deepEqual(engine.calls(), ['image inspect --format {{.Id}} debian:stable-slim']);
    });

    test('200 concurrent callers of a missing image: one pull, every caller gets its error', async () => {
      const engine = countingEngine(gate.exe());
      const ctx = { engine: engineAt(engine.exe) };
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => ensureImage({ dockerPull: `pcwl-missing-${NONCE}` }, ctx)));
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof ImageUnavailableError));
      const calls = engine.calls();
      assert.deepEqual(calls.filter((c) => c.startsWith('pull')), [`pull docker.io/library/pcwl-missing-${NONCE}:latest`]);
      assert.equal(calls.length, 2, calls.join('\n'));
      // A caller after the failure, within FAILURE_MEMORY_MS, gets the same error without a new pull.
      await assert.rejects(ensureImage({ dockerPull: `docker.io/library/pcwl-missing-${NONCE}` }, ctx), ImageUnavailableError);
      assert.equal(engine.calls().length, 2);
    });

    test('dockerFile: built once for 50 concurrent callers, tagged from its content, and runs', async () => {
      const engine = countingEngine(gate.exe());
      const dockerFile = `FROM ${BASE_IMAGE}\nRUN echo built-${NONCE} > /built.txt\n`;
      const images = await Promise.all(Array.from({ length: 50 }, () => ensureImage({ dockerFile }, { engine: engineAt(engine.exe) })));
      const tag = images[0]!;
      made.push(tag);
      assert.match(tag, /^pcwl-dockerfile:[0-9a-f]{16}$/);
      assert.ok(images.every((i) => i === tag));
      assert.equal(engine.calls().filter((c) => c.startsWith('build ')).length, 1, engine.calls().join('\n'));
      assert.equal(execFileSync(gate.exe(), ['run', '--rm', tag, 'cat', '/built.txt'], { encoding: 'utf8' }), `built-${NONCE}\n`);
    });

    test('dockerFile with dockerImageId: tagged with the id; a broken dockerFile is one clear error', async () => {
      const id = `localhost/pcwl-test-built:${NONCE}`;
      made.push(id);
      assert.equal(await ensureImage({ dockerFile: `FROM ${BASE_IMAGE}\nLABEL pcwl.test=${NONCE}\n`, dockerImageId: id }, { engine: engineAt() }), id);
      assert.ok(imageExists(gate.exe(), id));
      const err = await ensureImage({ dockerFile: `FROM ${BASE_IMAGE}\nNOTANINSTRUCTION x\n` }, { engine: engineAt() }).then(
        () => assert.fail('resolved'),
        (e: unknown) => e as ImageUnavailableError,
      );
      assert.equal(err.code, 'PCWL_IMAGE_UNAVAILABLE');
      assert.match(err.message, new RegExp(`${name} build of the dockerFile failed: .*NOTANINSTRUCTION`, 'i'));
      assert.equal(err.message.split('\n').length, 1);
    });

    test('dockerLoad: a `save` tarball given relative to the tool folder', async () => {
      const dir = scratchDir('load');
      const image = `localhost/pcwl-test-load:${NONCE}`;
      execFileSync(gate.exe(), ['import', tinyRootfs(dir), image], { stdio: 'ignore' });
      execFileSync(gate.exe(), ['save', '-o', join(dir, 'image.tar'), image], { stdio: 'ignore' });
      removeImages(gate.exe(), image);
      made.push(image);
      assert.equal(await ensureImage({ dockerLoad: 'image.tar' }, { engine: engineAt(), baseDir: dir }), image);
      assert.ok(imageExists(gate.exe(), image));
      // With dockerImageId the image is looked for first: there now, so nothing is loaded.
      const engine = countingEngine(gate.exe());
      assert.equal(await ensureImage({ dockerLoad: 'image.tar', dockerImageId: image }, { engine: engineAt(engine.exe), baseDir: dir }), image);
      assert.deepEqual(engine.calls(), [`image inspect --format {{.Id}} ${image}`]);
      // A tarball that is not there.
      await assert.rejects(ensureImage({ dockerLoad: 'nothing.tar' }, { engine: engineAt(), baseDir: dir }), /PCWL_IMAGE_UNAVAILABLE.*nothing\.tar.*no such file/);
    });

    test('dockerLoad from an http URL: downloaded, loaded, and an HTTP error is one clear line', async () => {
      const dir = scratchDir('load-url');
      const image = `localhost/pcwl-test-load-url:${NONCE}`;
      execFileSync(gate.exe(), ['import', tinyRootfs(dir), image], { stdio: 'ignore' });
      execFileSync(gate.exe(), ['save', '-o', join(dir, 'image.tar'), image], { stdio: 'ignore' });
      removeImages(gate.exe(), image);
      made.push(image);
      const server = createServer((req, res) => {
        if (req.url === '/image.tar') createReadStream(join(dir, 'image.tar')).pipe(res);
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        assert.equal(await ensureImage({ dockerLoad: `${base}/image.tar` }, { engine: engineAt() }), image);
        assert.ok(imageExists(gate.exe(), image));
        await assert.rejects(ensureImage({ dockerLoad: `${base}/missing.tar` }, { engine: engineAt() }), /PCWL_IMAGE_UNAVAILABLE.*missing\.tar.*cannot download it: HTTP 404/);
      } finally {
        server.close();
      }
    });

    test('dockerImport: a gzipped root filesystem tagged with dockerImageId, or its id without one', async () => {
      const dir = scratchDir('import');
      const tarball = tinyRootfs(dir, true);
      const image = `localhost/pcwl-test-import:${NONCE}`;
      made.push(image);
      assert.equal(await ensureImage({ dockerImport: 'rootfs.tar.gz', dockerImageId: image }, { engine: engineAt(), baseDir: dir }), image);
      assert.ok(imageExists(gate.exe(), image));
      const id = await ensureImage({ dockerImport: tarball }, { engine: engineAt() });
      assert.match(id, /^(sha256:)?[0-9a-f]{64}$/);
      made.push(id);
      assert.ok(imageExists(gate.exe(), id));
    });

    test('pull: false (--disable-pull): an image there is used; a missing one, whatever its source, fails without any pull, load, build or import', async () => {
      const engine = countingEngine(gate.exe());
      const ctx = { engine: engineAt(engine.exe), pull: false };
      assert.equal(await ensureImage({ dockerPull: BASE_IMAGE }, ctx), BASE_IMAGE);
      const dir = scratchDir('nopull');
      const missing = `docker.io/library/pcwl-no-such-image:${NONCE}`;
      for (const req of [
        { dockerPull: missing },
        { dockerFile: `FROM ${BASE_IMAGE}\nRUN echo never-${NONCE}\n` },
        { dockerImport: tinyRootfs(dir), dockerImageId: `localhost/pcwl-never-${NONCE}` },
        { dockerLoad: join(dir, 'image.tar') },
      ]) {
        await assert.rejects(
          ensureImage(req, ctx),
          (err: unknown) => err instanceof ImageUnavailableError && err.code === 'PCWL_IMAGE_UNAVAILABLE' && new RegExp(`is not available to ${name}: not on this node, and pulling is off \\(--disable-pull\\); ${name} pull, load, build or import it first`).test(err.message),
          JSON.stringify(req),
        );
      }
      const calls = engine.calls();
      assert.deepEqual(calls.filter((c) => !c.startsWith('image inspect')), [], calls.join('\n'));
    });

    test('an engine program that is not there: one clear error', async () => {
      await assert.rejects(
        ensureImage({ dockerPull: BASE_IMAGE }, { engine: { name, exe: `/nonexistent/${name}` } }),
        (err: unknown) => err instanceof ImageUnavailableError && new RegExp(`cannot run /nonexistent/${name} \\(ENOENT\\); install ${name}`).test(err.message),
      );
    });
  });
}
