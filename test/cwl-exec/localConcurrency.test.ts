import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { LocalExecutor } from '../../src/executors/local/index.js';
import type { TaskOutcome, TaskSpec } from '../../src/executors/executor.js';
import type { CommandLineTool } from '../../src/cwl/model.js';
import { cwlJobTask } from '../../src/cwl/jobTask.js';

/** A CWL job whose tool waits until `release` exists in `gate` (a tool process, no timers in Node). */
async function gatedJob(gate: string): Promise<TaskSpec> {
  const tool: CommandLineTool = {
    id: 'file:///t/wait.cwl',
    class: 'CommandLineTool',
    cwlVersion: 'v1.2',
    originalCwlVersion: 'v1.2',
    baseUri: 'file:///t/',
    baseCommand: ['/bin/sh', '-c', `: > ${gate}/started.$$; while [ ! -e ${gate}/release ]; do sleep 0.01; done`],
    inputs: [],
    outputs: [],
  };
  const jobDir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-conc-'));
  return cwlJobTask({ tool, inputs: {}, requirements: [], hints: [], paths: { jobDir }, name: 'wait.cwl' });
}

function gatedBash(gate: string): TaskSpec {
  return { kind: 'bash', command: `while [ ! -e ${gate}/release ]; do sleep 0.01; done` };
}

async function runMany(executor: LocalExecutor, n: number, kind: 'job' | 'bash' = 'job', commands?: number): Promise<{ peak: number; outcomes: TaskOutcome[]; started?: number }> {
  const gate = await mkdtemp(path.join(os.tmpdir(), 'pcwl-gate-'));
  await executor.start({ runDir: gate, log: () => {} });
  const specs = await Promise.all(Array.from({ length: n }, () => (kind === 'bash' ? gatedBash(gate) : gatedJob(gate))));
  const done = Promise.all(specs.map((spec, taskId) => executor.submit({ taskId, attempt: 0, spec })));
  // Every slot the executor grants is taken at submit time; what is left waits in the queue.
  const peak = executor.peakRunning;
  let started: number | undefined;
  if (commands !== undefined) {
    // Wait until the expected number of commands started, then a little longer: no more may start.
    const count = () => readdirSync(gate).filter((f) => f.startsWith('started.')).length;
    for (let i = 0; i < 1000 && count() < commands; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    started = count();
  }
  await writeFile(path.join(gate, 'release'), '');
  const outcomes = await done;
  await executor.shutdown();
  return started === undefined ? { peak, outcomes } : { peak, outcomes, started };
}

test('by default CWL commands run up to twice the number of cores at once (with twice that many jobs under way), bash tasks keep one per core', async () => {
  const cores = availableParallelism();
  const executor = new LocalExecutor();
  assert.equal(executor.maxWorkers, cores);
  assert.equal(executor.jobWorkers, 4 * cores);
  assert.equal(executor.jobCommandSlots?.size, 2 * cores);
  const { peak, outcomes, started } = await runMany(executor, 4 * cores + 2, 'job', 2 * cores);
  assert.equal(peak, 4 * cores);
  assert.equal(started, 2 * cores, 'commands running at once');
  assert.equal(outcomes.length, 4 * cores + 2);
  for (const o of outcomes) assert.equal(o.kind, 'job');
  const bash = await runMany(new LocalExecutor(), cores + 1, 'bash');
  assert.equal(bash.peak, cores);
});

test('an explicit maxWorkers limits CWL jobs too (--serial, max_workers in a config)', async () => {
  const executor = new LocalExecutor({ maxWorkers: 1 });
  assert.equal(executor.jobWorkers, 1);
  assert.equal(executor.jobCommandSlots, undefined);
  const { peak, started } = await runMany(executor, 3, 'job', 1);
  assert.equal(peak, 1);
  assert.equal(started, 1);
});
