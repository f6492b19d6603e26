/**
 * Whether the container tests run, and what they share. They need podman (rootful here) and the
 * images the CWL suite names (built locally, docs/containers.md). With PARSL_CWL_CONTAINERS=1 (set by
 * CI) podman must be there, or the tests FAIL; without it they skip, saying why, when podman is absent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { onPath } from '../../src/cwl/containers/index.js';
import type { CommandLineTool, CwlFile } from '../../src/cwl/model.js';
import type { JobSpec } from '../../src/cwl/jobSpec.js';

export const CONTAINERS_REQUIRED = process.env.PARSL_CWL_CONTAINERS === '1';
export const PODMAN = onPath('podman', process.env.PATH ?? '');

/** `{ skip }` for node:test: false when the tests must run. */
export const containerTestOptions: { skip: string | false } = {
  skip: PODMAN !== undefined || CONTAINERS_REQUIRED ? false : 'container tests are off: podman is not on PATH (install it, see docs/containers.md; PARSL_CWL_CONTAINERS=1 makes them mandatory)',
};

/** The image every test runs (a Debian root filesystem with python3, as the CWL suite's images here). */
export const IMAGE = 'docker.io/library/debian:stable-slim';

/** Throws (failing the test) unless podman runs and has the test image. */
export function assertPodmanWorks(): void {
  if (PODMAN === undefined) throw new Error('PARSL_CWL_CONTAINERS=1 but podman is not on PATH');
  try {
    execFileSync(PODMAN, ['image', 'exists', IMAGE], { timeout: 30_000 });
  } catch {
    throw new Error(`podman has no image ${IMAGE}; build the suite's images first (docs/containers.md)`);
  }
}

/** Names of containers (any state) whose name starts with `prefix` (ours: parsl-cwl-<pid>-...). */
export function containersNamed(prefix: string): string[] {
  const out = execFileSync(PODMAN ?? 'podman', ['ps', '--all', '--filter', 'label=parsl-cwl', '--format', '{{.Names}}'], { encoding: 'utf8', timeout: 30_000 });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((n) => n.startsWith(prefix));
}

export function tool(fields: Partial<CommandLineTool>): CommandLineTool {
  return { id: 'file:///t/tool.cwl', class: 'CommandLineTool', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///t/', inputs: [], outputs: [], ...fields };
}

export const DOCKER = { class: 'DockerRequirement', dockerPull: IMAGE };

export async function job(t: CommandLineTool, inputs: Record<string, unknown> = {}, options: JobSpec['options'] = {}): Promise<JobSpec> {
  const jobDir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-ctr-job-'));
  return { tool: t, inputs, requirements: t.requirements ?? [], hints: t.hints ?? [], paths: { jobDir }, name: 'tool.cwl', options };
}

export async function inputFile(name: string, text: string): Promise<CwlFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-ctr-in-'));
  const p = path.join(dir, name);
  await writeFile(p, text);
  return { class: 'File', location: pathToFileURL(p).href, path: p, basename: name };
}

/** Names of containers (any state, or running only) carrying label `key=value` (a test passes it with `extra_args`). */
export function containersLabelled(key: string, value: string, options: { running?: boolean } = {}): string[] {
  const all = options.running === true ? [] : ['--all'];
  const out = execFileSync(PODMAN ?? 'podman', ['ps', ...all, '--filter', `label=${key}=${value}`, '--format', '{{.Names}}'], { encoding: 'utf8', timeout: 30_000 });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((n) => n !== '');
}

/**
 * A scatter workflow whose one step runs in a container and says `in <word>` (or `host <word>`):
 * `marker` is the file the engine puts in its containers (podman's /run/.containerenv, Docker's
 * /.dockerenv).
 */
export function scatterWorkflow(image: string, marker = '/run/.containerenv'): Record<string, string> {
  return {
    'wf.cwl': `cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  words: string[]
outputs:
  outs:
    type: File[]
    outputSource: where/out
steps:
  where:
    run: where.cwl
    scatter: word
    in: {word: words}
    out: [out]
`,
    'where.cwl': `cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement: {dockerPull: ${image}}
baseCommand: [sh, -c, 'if test -e ${marker}; then echo "in $0"; else echo "host $0"; fi']
inputs:
  word: {type: string, inputBinding: {position: 1}}
stdout: out.txt
outputs:
  out: stdout
`,
    'sleep.cwl': `cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement: {dockerPull: ${image}}
baseCommand: [sleep, '300']
inputs: []
outputs: []
`,
  };
}
