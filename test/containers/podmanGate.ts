/**
 * Whether the container tests run. With PARSL_CWL_CONTAINERS=1 (set by .ci/run, which installs
 * podman and builds the suite's images with test/containers/build-images.sh) podman must work, or
 * the tests FAIL; without it they skip when podman is absent or cannot see the base image, and say
 * why.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandLineTool, CwlFile } from '../../src/cwl/model.js';
import type { JobSpec } from '../../src/cwl/jobSpec.js';

export const CONTAINERS_REQUIRED = process.env.PARSL_CWL_CONTAINERS === '1';

/** The image every container test starts from (test/containers/build-images.sh makes it). */
export const BASE_IMAGE = 'docker.io/library/debian:stable-slim';

function findPodman(): { exe?: string; why?: string } {
  let exe: string;
  try {
    exe = execFileSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' }).trim();
  } catch {
    return { why: 'podman is not installed (apt-get install podman runc; see docs/containers.md)' };
  }
  try {
    execFileSync(exe, ['image', 'exists', BASE_IMAGE], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    return { exe, why: `podman has no ${BASE_IMAGE}: run test/containers/build-images.sh` };
  }
  return { exe };
}

const found = findPodman();

/** `{ skip }` for node:test: false when the tests run (podman works, or PARSL_CWL_CONTAINERS=1 demands it). */
export const podmanTestOptions: { skip: string | false } = {
  skip: found.why === undefined || CONTAINERS_REQUIRED ? false : `container tests skipped: ${found.why}; set PARSL_CWL_CONTAINERS=1 to make this a failure`,
};

/** podman's path; throws (failing the test) when PARSL_CWL_CONTAINERS=1 and podman does not work. */
export function podmanExe(): string {
  if (found.why !== undefined) throw new Error(`PARSL_CWL_CONTAINERS=1 but ${found.why}`);
  return found.exe!;
}

/** A name part unique to this test process. */
export const NONCE = `${process.pid}x${Math.random().toString(36).slice(2, 8)}`;

const scratchDirs: string[] = [];
process.once('exit', () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed when the test file ends. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pcwl-ctr-${name}-`));
  scratchDirs.push(dir);
  return dir;
}

/**
 * A program that logs its argv (one line per run, appended: atomic for short lines) and then runs
 * the real engine with it, so a test counts the engine commands really started.
 */
export function countingEngine(realExe: string): { exe: string; calls: () => string[] } {
  const dir = scratchDir('counting');
  const log = join(dir, 'calls.log');
  const exe = join(dir, 'engine');
  writeFileSync(log, '');
  writeFileSync(exe, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realExe}' "$@"\n`);
  chmodSync(exe, 0o755);
  return {
    exe,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

/** Removes images by name; missing ones are fine. */
export function removeImages(exe: string, ...names: string[]): void {
  for (const name of names) {
    try {
      execFileSync(exe, ['rmi', '--force', name], { stdio: 'ignore', timeout: 60_000 });
    } catch {
      /* not there */
    }
  }
}

/** Names of containers (any state) whose name starts with `prefix` (ours: parsl-cwl-<pid>-...). */
export function containersNamed(prefix: string): string[] {
  const out = execFileSync(podmanExe(), ['ps', '--all', '--filter', 'label=parsl-cwl', '--format', '{{.Names}}'], { encoding: 'utf8', timeout: 30_000 });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((n) => n.startsWith(prefix));
}

export function tool(fields: Partial<CommandLineTool>): CommandLineTool {
  return { id: 'file:///t/tool.cwl', class: 'CommandLineTool', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///t/', inputs: [], outputs: [], ...fields };
}

export const DOCKER = { class: 'DockerRequirement', dockerPull: BASE_IMAGE };

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

/** Names of containers (any state) carrying label `key=value` (a test passes it with `extra_args`). */
export function containersLabelled(key: string, value: string): string[] {
  const out = execFileSync(podmanExe(), ['ps', '--all', '--filter', `label=${key}=${value}`, '--format', '{{.Names}}'], { encoding: 'utf8', timeout: 30_000 });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((n) => n !== '');
}

/** A scatter workflow whose one step runs in a container and says `in <word>` (or `host <word>`). */
export function scatterWorkflow(image: string): Record<string, string> {
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
baseCommand: [sh, -c, 'if test -e /run/.containerenv; then echo "in $0"; else echo "host $0"; fi']
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
