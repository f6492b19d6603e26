/**
 * The image command lines of the engines that do not run on the CI machines (Docker's daemon and
 * Apptainer: docs/containers.md), image names, and the one-line engine messages. No engine runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apptainerConversion, engineMessage, imageToTry, isImageId, normaliseImageName, ociImageArgv, runFoundNoImage, sifPath } from '../../src/cwl/containers/index.js';
import { ImageUnavailableError } from '../../src/cwl/errors.js';

test('image names are normalised as Docker reads them; ids are kept', async () => {
  assert.equal(await normaliseImageName('debian:stable-slim'), 'docker.io/library/debian:stable-slim');
  assert.equal(await normaliseImageName('docker.io/debian:stable-slim'), 'docker.io/library/debian:stable-slim');
  assert.equal(await normaliseImageName('index.docker.io/library/debian:stable-slim'), 'docker.io/library/debian:stable-slim');
  assert.equal(await normaliseImageName('python'), 'docker.io/library/python:latest');
  assert.equal(await normaliseImageName('quay.io/biocontainers/samtools:1.17--h00cdaf9_0'), 'quay.io/biocontainers/samtools:1.17--h00cdaf9_0');
  assert.equal(await normaliseImageName('localhost:5000/tools/x'), 'localhost:5000/tools/x:latest');
  const digest = `ubuntu@sha256:${'4'.repeat(64)}`;
  assert.equal(await normaliseImageName(digest), `docker.io/library/${digest}`);
  assert.equal(await normaliseImageName('1db159f1a57d'), '1db159f1a57d');
  assert.ok(isImageId(`sha256:${'a'.repeat(64)}`));
  assert.ok(!isImageId('debian'));
  await assert.rejects(normaliseImageName('Debian:Stable'), /not a valid image name \(.*lowercase/);
});

test('Docker and podman image argv', () => {
  assert.deepEqual(ociImageArgv.inspect('debian:stable-slim'), ['image', 'inspect', '--format', '{{.Id}}', 'debian:stable-slim']);
  assert.deepEqual(ociImageArgv.pull('docker.io/library/debian:stable-slim'), ['pull', 'docker.io/library/debian:stable-slim']);
  assert.deepEqual(ociImageArgv.load('/t/image.tar'), ['load', '-i', '/t/image.tar']);
  assert.deepEqual(ociImageArgv.build('pcwl-dockerfile:0123', '/c/Dockerfile', '/c'), ['build', '-t', 'pcwl-dockerfile:0123', '-f', '/c/Dockerfile', '/c']);
  assert.deepEqual(ociImageArgv.import('https://example.org/rootfs.tar.gz', 'my/img:1'), ['import', 'https://example.org/rootfs.tar.gz', 'my/img:1']);
  assert.deepEqual(ociImageArgv.import('/t/rootfs.tar'), ['import', '/t/rootfs.tar']);
});

test('Apptainer: a registry image or a docker-archive tarball converted to a SIF in the cache folder', async () => {
  const engine = { name: 'apptainer' as const, exe: '/opt/apptainer/bin/apptainer' };
  const pulled = await apptainerConversion({ dockerPull: 'debian:stable-slim' }, { engine, cacheDir: '/shared/sif' });
  assert.match(pulled.sif, /^\/shared\/sif\/docker\.io_library_debian_stable-slim-[0-9a-f]{12}\.sif$/);
  assert.deepEqual(pulled.argv, ['/opt/apptainer/bin/apptainer', 'build', `${pulled.sif}.partial`, 'docker://docker.io/library/debian:stable-slim']);
  // The same image however it is spelled: the same file.
  assert.equal((await apptainerConversion({ dockerPull: 'docker.io/library/debian:stable-slim' }, { engine, cacheDir: '/shared/sif' })).sif, pulled.sif);

  const loaded = await apptainerConversion({ dockerLoad: 'images/tool.tar' }, { engine, cacheDir: '/shared/sif', baseDir: '/work/tools' });
  assert.match(loaded.sif, /^\/shared\/sif\/tool\.tar-[0-9a-f]{12}\.sif$/);
  assert.deepEqual(loaded.argv.slice(1), ['build', `${loaded.sif}.partial`, 'docker-archive:///work/tools/images/tool.tar']);

  // Two names that read the same once sanitised still get two files.
  assert.notEqual(sifPath('/c', { kind: 'registry', image: 'a/b_c:1' }), sifPath('/c', { kind: 'registry', image: 'a_b/c:1' }));

  // What Apptainer cannot build from is one clear error before anything runs.
  for (const req of [{ dockerFile: 'FROM debian\n' }, { dockerImport: 'rootfs.tar' }]) {
    await assert.rejects(apptainerConversion(req, { engine, cacheDir: '/c' }), (err: unknown) => err instanceof ImageUnavailableError && /apptainer cannot .*; run this tool with podman or docker/.test(err.message));
  }
});

test('the cache folder defaults under PARSL_CWL_CACHE_DIR', async () => {
  const before = process.env.PARSL_CWL_CACHE_DIR;
  process.env.PARSL_CWL_CACHE_DIR = '/var/cache/pcwl';
  try {
    const { sif } = await apptainerConversion({ dockerPull: 'alpine' }, { engine: { name: 'apptainer', exe: 'apptainer' } });
    assert.match(sif, /^\/var\/cache\/pcwl\/sif\/docker\.io_library_alpine_latest-[0-9a-f]{12}\.sif$/);
  } finally {
    if (before === undefined) delete process.env.PARSL_CWL_CACHE_DIR;
    else process.env.PARSL_CWL_CACHE_DIR = before;
  }
});

test("an engine's message is its last error line, on one line", () => {
  assert.equal(
    engineMessage('Trying to pull docker.io/library/x:1...\nError: initializing source docker://x:1: pinging container registry registry-1.docker.io: no such host\n', 125),
    'initializing source docker://x:1: pinging container registry registry-1.docker.io: no such host',
  );
  assert.equal(engineMessage('Error response from daemon: pull access denied for x, repository does not exist\n', 1), 'Error response from daemon: pull access denied for x, repository does not exist');
  assert.equal(engineMessage('INFO: Starting build...\nFATAL: While making image from oci registry: no such host\n', 255), 'While making image from oci registry: no such host');
  assert.equal(engineMessage('', 3), 'exit code 3, nothing on stderr');
  assert.equal(engineMessage(`Error: ${'x'.repeat(1000)}`, 1).length, 400);
});

test('a run is tried with the image the tool names; an absent image is told from a failing tool', () => {
  const podman = { name: 'podman' as const, exe: 'podman' };
  const docker = { name: 'docker' as const, exe: 'docker' };
  const apptainer = { name: 'apptainer' as const, exe: 'apptainer' };
  assert.equal(imageToTry({ dockerPull: 'debian:stable-slim' }, podman), 'debian:stable-slim');
  assert.equal(imageToTry({ dockerPull: 'debian:stable-slim', dockerImageId: 'mine:1' }, docker), 'mine:1');
  assert.equal(imageToTry({ dockerFile: 'FROM x\n' }, podman), undefined);
  assert.equal(imageToTry({ dockerPull: 'debian' }, apptainer), undefined);
  // The engines' own words (podman 4.3, Docker 20.10), with the exit code 125 of a run that did not start.
  assert.ok(runFoundNoImage(podman, 125, 'Error: docker.io/library/nosuch:1: image not known\n'));
  assert.ok(runFoundNoImage(docker, 125, "docker: Error response from daemon: No such image: nosuch:1.\nSee 'docker run --help'.\n"));
  assert.ok(!runFoundNoImage(podman, 1, 'Error: docker.io/library/nosuch:1: image not known\n'));
  assert.ok(!runFoundNoImage(podman, 125, 'Error: some other failure\n'));
  assert.ok(!runFoundNoImage(apptainer, 125, 'Error: x: image not known\n'));
});
