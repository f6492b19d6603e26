import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProcess } from '../../src/cwl/load/index.js';
import { prepareInputs } from '../../src/cwl/inputs/index.js';
import { runWorkflowOnKernel, WorkflowProgress, type ProgressCounts } from '../../src/cwl/workflow/index.js';
import type { Workflow } from '../../src/cwl/model.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/workflow/fixtures');

test('progress counts step instances done/running and steps waiting, and ends with all done', async () => {
  const wf = (await loadProcess(path.join(FIXTURES, 'linear.cwl'))) as Workflow;
  const inputs = await prepareInputs(wf, { messages: ['a', 'b', 'c'] });
  const progress = new WorkflowProgress();
  const seen: ProgressCounts[] = [];
  progress.onChange((c) => seen.push({ ...c }));
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'pcwl-progress-'));
  const { outputs } = await runWorkflowOnKernel(wf, inputs, { runDir, progress });
  assert.equal(outputs.lines, 3);
  // Three steps wait at first; the three echo instances, then cat, then wc run.
  assert.equal(seen[0]?.waiting, 3);
  assert.ok(seen.some((c) => c.running >= 2), 'scattered echo instances run at the same time');
  assert.deepEqual(progress.counts, { done: 5, running: 0, waiting: 0, skipped: 0, failed: 0 });
});
