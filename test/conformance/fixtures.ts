/** Temp folders, fake cwl-runners (real executables) and tests for the harness's tests. */
import { chmod, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConformanceTest } from '../../src/conformance/testList.js';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `pcwl-${prefix}-`));
}

/** Writes an executable bash script: a fake cwl-runner whose behaviour is the given body. */
export async function fakeRunner(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/bash\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

/** Writes files (relative path → text) under a folder. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
}

export function makeTest(fields: Partial<ConformanceTest> & { id: string }): ConformanceTest {
  const tags = fields.tags ?? ['command_line_tool'];
  return {
    number: 1,
    doc: '',
    tool: 'tests/tool.cwl',
    output: {},
    shouldFail: false,
    required: tags.includes('required'),
    listFile: 'conformance_tests.yaml',
    ...fields,
    tags,
  };
}

/** True when the process is gone (or a zombie nobody has reaped yet: it runs no more). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Resolves once `file` exists (watching its folder: an event, not a poll). */
export async function waitForFile(file: string): Promise<void> {
  const { watch } = await import('node:fs');
  const { existsSync } = await import('node:fs');
  await new Promise<void>((resolve) => {
    const watcher = watch(path.dirname(file), () => {
      if (existsSync(file)) {
        watcher.close();
        resolve();
      }
    });
    if (existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}

/**
 * Resolves true once the process is gone, false after `withinMs`. A killed grandchild gives its
 * killer no event to await (it is not our child), so this checks /proc every few milliseconds.
 */
export async function goneWithin(pid: number, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!processGone(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}
