/** The run argv per engine, without an engine: podman and docker share one form, apptainer has its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findEngine, MountPathError, removeArgv, runArgv, type ContainerRun } from '../../src/cwl/containers/index.js';

const RUN: ContainerRun = {
  image: 'docker.io/library/debian:stable-slim',
  argv: ['cat', '/in/a.txt'],
  workdir: '/var/spool/cwl',
  env: { HOME: '/var/spool/cwl', TMPDIR: '/tmp/job', FOO: 'a b' },
  mounts: [
    { source: '/host/out', target: '/var/spool/cwl', readOnly: false },
    { source: '/host/in/a.txt', target: '/in/a.txt', readOnly: true },
  ],
  network: false,
  stdin: true,
  name: 'parsl-cwl-1-abc',
  user: { uid: 1000, gid: 100 },
  extraArgs: ['--security-opt', 'label=disable'],
};

test('podman: run --rm --init, named and labelled, user, no network, no pull, workdir, env, binds, extra args, then image and command', () => {
  assert.deepEqual(runArgv({ name: 'podman', exe: '/usr/bin/podman' }, RUN), [
    '/usr/bin/podman', 'run', '--rm', '--init', '--interactive', '--name', 'parsl-cwl-1-abc', '--label', 'parsl-cwl=1',
    '--user', '1000:100', '--network', 'none', '--pull', 'never', '--workdir', '/var/spool/cwl',
    '--env', 'HOME=/var/spool/cwl', '--env', 'TMPDIR=/tmp/job', '--env', 'FOO=a b',
    '--mount', 'type=bind,source=/host/out,target=/var/spool/cwl',
    '--mount', 'type=bind,source=/host/in/a.txt,target=/in/a.txt,readonly',
    '--security-opt', 'label=disable',
    'docker.io/library/debian:stable-slim', 'cat', '/in/a.txt',
  ]);
});

test('docker: the same form; network on and no stdin leave their flags out', () => {
  const argv = runArgv({ name: 'docker', exe: '/usr/bin/docker' }, { ...RUN, network: true, stdin: false, extraArgs: undefined });
  assert.equal(argv[0], '/usr/bin/docker');
  assert.ok(!argv.includes('--network'));
  assert.ok(!argv.includes('--interactive'));
  assert.deepEqual(argv.slice(-3), ['docker.io/library/debian:stable-slim', 'cat', '/in/a.txt']);
  assert.deepEqual(removeArgv({ name: 'docker', exe: '/usr/bin/docker' }, 'n'), ['/usr/bin/docker', 'rm', '--force', 'n']);
  assert.deepEqual(removeArgv({ name: 'podman', exe: '/usr/bin/podman' }, 'n'), ['/usr/bin/podman', 'rm', '--force', '--time', '0', '--ignore', 'n']);
});

test('apptainer: exec --containall --cleanenv, --pwd, no network, --env, --bind src:dst[:ro], then the SIF and command; nothing to remove', () => {
  const engine = { name: 'apptainer' as const, exe: '/usr/bin/apptainer' };
  assert.deepEqual(runArgv(engine, { ...RUN, image: '/cache/debian.sif', extraArgs: undefined }), [
    '/usr/bin/apptainer', 'exec', '--containall', '--cleanenv', '--pwd', '/var/spool/cwl', '--net', '--network', 'none',
    '--env', 'HOME=/var/spool/cwl', '--env', 'TMPDIR=/tmp/job', '--env', 'FOO=a b',
    '--bind', '/host/out:/var/spool/cwl', '--bind', '/host/in/a.txt:/in/a.txt:ro',
    '/cache/debian.sif', 'cat', '/in/a.txt',
  ]);
  assert.equal(removeArgv(engine, 'n'), undefined);
});

test('a path the mount option cannot express is an error naming it', () => {
  const bad = { ...RUN, mounts: [{ source: '/host/a,b', target: '/a,b', readOnly: true }] };
  assert.throws(() => runArgv({ name: 'podman', exe: 'podman' }, bad), (e: unknown) => e instanceof MountPathError && /\/host\/a,b/.test(e.message));
  const colon = { ...RUN, mounts: [{ source: '/host/a:b', target: '/a', readOnly: true }] };
  assert.throws(() => runArgv({ name: 'apptainer', exe: 'apptainer' }, colon), MountPathError);
});

test('findEngine: auto takes podman before docker, apptainer only when alone; singularity is apptainer; none is undefined', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-engines-'));
  const fake = async (name: string) => {
    await writeFile(path.join(dir, name), '#!/bin/sh\n');
    await chmod(path.join(dir, name), 0o755);
  };
  const only = async (names: string[]) => {
    const sub = await mkdtemp(path.join(dir, 'p'));
    for (const n of names) {
      await writeFile(path.join(sub, n), '#!/bin/sh\n');
      await chmod(path.join(sub, n), 0o755);
    }
    return sub;
  };
  await fake('unused');
  assert.equal(findEngine('auto', undefined, await only(['docker', 'podman', 'apptainer']))?.name, 'podman');
  assert.equal(findEngine('auto', undefined, await only(['docker', 'apptainer']))?.name, 'docker');
  const sing = await only(['singularity']);
  assert.deepEqual(findEngine('auto', undefined, sing), { name: 'apptainer', exe: path.join(sing, 'singularity') });
  assert.equal(findEngine('apptainer', undefined, sing)?.name, 'apptainer');
  assert.equal(findEngine('podman', undefined, sing), undefined);
  assert.equal(findEngine('auto', undefined, await only([])), undefined);
  assert.equal(findEngine('off', undefined, await only(['podman'])), undefined);
});
