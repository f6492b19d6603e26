import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobCacheKey } from '../../src/cwl/cache/index.js';
import type { ContainerSettings } from '../../src/cwl/containers/index.js';
import type { JobSpec } from '../../src/cwl/jobSpec.js';
import type { CommandLineTool, Requirement } from '../../src/cwl/model.js';

const TOOL: CommandLineTool = { id: 'file:///t/tool.cwl', class: 'CommandLineTool', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///t/', baseCommand: ['echo', 'hi'], inputs: [], outputs: [] };
const HINT: Requirement = { class: 'DockerRequirement', dockerPull: 'docker.io/library/debian:stable-slim' };

function spec(container: ContainerSettings | undefined, hints: Requirement[] = [HINT]): JobSpec {
  return { tool: TOOL, inputs: {}, requirements: [], hints, paths: { jobDir: '/nonexistent/job' }, name: 'tool.cwl', options: { cache: { dir: '/nonexistent/cache' }, ...(container ? { container } : {}) } } as JobSpec;
}

// `exe` only says where the engine's program is (it is not keyed itself): /bin/true stands in for an
// engine that is installed, a path that does not exist for one that is not.
const FOUND: ContainerSettings = { mode: 'podman', exe: '/bin/true' };
const MISSING: ContainerSettings = { mode: 'podman', exe: '/nonexistent/podman' };

test('a hinted image run on the host (no engine found) and in a container have different keys', async () => {
  assert.notEqual(await jobCacheKey(spec(FOUND)), await jobCacheKey(spec(MISSING)));
  assert.notEqual(await jobCacheKey(spec({ mode: 'podman', exe: '/bin/true' })), await jobCacheKey(spec({ mode: 'off' })));
});

test('where the engine program is does not change the key; a tool without an image does not depend on engines', async () => {
  assert.equal(await jobCacheKey(spec(FOUND)), await jobCacheKey(spec({ mode: 'podman', exe: '/usr/bin/true' })));
  assert.equal(await jobCacheKey(spec(FOUND, [])), await jobCacheKey(spec(MISSING, [])));
  // --default-container gives the same tool an image: then whether an engine is found counts again.
  assert.notEqual(await jobCacheKey(spec({ ...FOUND, defaultContainer: 'x' }, [])), await jobCacheKey(spec({ ...MISSING, defaultContainer: 'x' }, [])));
});
