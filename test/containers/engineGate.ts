/**
 * Whether the container tests run, per engine. With PARSL_CWL_CONTAINERS=1 (set by .ci/run, which
 * installs podman and builds the suite's images with test/containers/build-images.sh) podman must
 * work, and with PARSL_CWL_DOCKER=1 (set by .ci/run after test/containers/start-dockerd.sh) Docker
 * must, or the tests FAIL; without them an engine that is absent or lacks the base image is
 * skipped, saying why.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineName } from '../../src/cwl/containers/index.js';

/** The image every container test starts from (test/containers/build-images.sh makes it). */
export const BASE_IMAGE = 'docker.io/library/debian:stable-slim';

export type OciEngine = Extract<EngineName, 'podman' | 'docker'>;

const REQUIRED: Record<OciEngine, boolean> = {
  podman: process.env.PARSL_CWL_CONTAINERS === '1',
  docker: process.env.PARSL_CWL_DOCKER === '1',
};
const HOW: Record<OciEngine, string> = {
  podman: 'apt-get install podman runc mmdebstrap, then test/containers/build-images.sh (docs/containers.md)',
  docker: 'apt-get install docker.io, test/containers/start-dockerd.sh, then test/containers/build-images.sh --docker',
};

function probe(name: OciEngine): { exe?: string; why?: string } {
  let exe: string;
  try {
    exe = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    return { why: `${name} is not installed` };
  }
  try {
    execFileSync(exe, ['image', 'inspect', BASE_IMAGE], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    return { exe, why: `${name} does not answer or has no ${BASE_IMAGE}` };
  }
  return { exe };
}

export interface EngineGate {
  name: OciEngine;
  /** `{ skip }` for node:test: false when the tests run (the engine works, or is required). */
  options: { skip: string | false };
  /** The engine's path; throws (failing the test) when it is required and does not work. */
  exe(): string;
}

export function engineGate(name: OciEngine): EngineGate {
  const found = probe(name);
  const variable = name === 'podman' ? 'PARSL_CWL_CONTAINERS' : 'PARSL_CWL_DOCKER';
  return {
    name,
    options: { skip: found.why === undefined || REQUIRED[name] ? false : `${name} tests skipped: ${found.why} (${HOW[name]}); set ${variable}=1 to make this a failure` },
    exe: () => {
      if (found.why !== undefined) throw new Error(`${variable}=1 but ${found.why}: ${HOW[name]}`);
      return found.exe!;
    },
  };
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
  return { exe, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** Whether the engine has the image. */
export function imageExists(exe: string, name: string): boolean {
  try {
    execFileSync(exe, ['image', 'inspect', name], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** Removes images by name or id; missing ones are fine. */
export function removeImages(exe: string, ...names: string[]): void {
  for (const name of names) {
    try {
      execFileSync(exe, ['rmi', '--force', name], { stdio: 'ignore', timeout: 60_000 });
    } catch {
      /* not there */
    }
  }
}
