/**
 * Run records built in the test (input data for the report, in the shape readRunRecord returns,
 * src/dataflow/record/model.ts): a small workflow with a failure, and a 20,000-way scatter on HTEX
 * blocks. A real 20,000-way run takes minutes here, too slow for the default test run; the record
 * of one is what the report's speed depends on.
 */
import type { BlockRow, RunRecord, StepRow, TaskRow } from '../../src/dataflow/record/model.js';

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);

function baseRun(process: string, status: RunRecord['run']['status'], endedAt: number): RunRecord['run'] {
  return {
    id: '007',
    format: 'parsl-cwl-record/1',
    status,
    startedAt: T0,
    endedAt,
    argv: ['parsl-cwl', process, 'job.yml'],
    cwd: '/home/user/project',
    process: `/home/user/project/${process}`,
    jobFile: '/home/user/project/job.yml',
    executor: 'htex',
    version: '0.1.0',
    hostname: 'node1',
  };
}

function task(id: number, step: string, scatterIndex: number[] | undefined, start: number, ms: number, state: string, where: { block: string; manager: string; worker: string }): TaskRow {
  const ok = state === 'exec_done';
  return {
    id,
    name: step,
    kind: 'job',
    step,
    ...(scatterIndex ? { scatterIndex } : {}),
    state,
    submittedAt: start - 20,
    readyAt: start - 10,
    launchedAt: start - 5,
    startedAt: start,
    endedAt: start + ms,
    executor: 'htex',
    ...where,
    tries: 1,
    attempts: [{ try: 1, launchedAt: start - 5, startedAt: start, endedAt: start + ms, ...where, outcome: ok ? 'ok' : 'failed' }],
    exitCode: ok ? 0 : 1,
    commandLine: [step, '--index', String(scatterIndex?.[0] ?? 0)],
    jobDir: `/tmp/parsl-cwl-x/runinfo/000/jobs/${id}`,
    wallMs: ms,
    cpuMs: Math.round(ms * 0.8),
    maxRssKb: 2048 + ((id * 7919) % 4096),
    ...(ok ? {} : { errorCode: 'PCWL_TOOL_FAILED', error: `${step}: the command exited with 1`, stderrTail: `convert: unable to open image 'img${scatterIndex?.[0]}.png'\n` }),
  };
}

/** generate → resize ×4 → (blur ×4, annotate ×4) → montage; blur[2] fails, montage never runs. */
export function failedWorkflowRecord(): RunRecord {
  // 2 blocks × 1 manager × 3 workers; each task goes to the first worker free at its start.
  const workers = [0, 1].flatMap((b) => [0, 1, 2].map((w) => ({ block: String(b), manager: `mgr${b}`, worker: String(w) })));
  const free = workers.map(() => 0);
  const tasks: TaskRow[] = [];
  const add = (step: string, index: number[] | undefined, start: number, ms: number, state: string): void => {
    // The first worker free at `start`, else the one free first (the task waits for it).
    let k = free.findIndex((f) => f <= start);
    if (k < 0) k = free.indexOf(Math.min(...free));
    start = Math.max(start, free[k]!);
    free[k] = start + ms;
    tasks.push(task(tasks.length, step, index, start, ms, state, workers[k]!));
  };
  add('generate', undefined, T0 + 100, 400, 'exec_done');
  for (let i = 0; i < 4; i++) add('resize', [i], T0 + 520 + i * 30, 300 + i * 40, 'exec_done');
  for (let i = 0; i < 4; i++) add('blur', [i], T0 + 900 + i * 25, 250, i === 2 ? 'failed' : 'exec_done');
  for (let i = 0; i < 4; i++) add('annotate', [i], T0 + 1000 + i * 20, 200, 'exec_done');
  const steps: StepRow[] = [
    { name: 'generate', tool: 'generate.cwl', scatterWidth: 1 },
    { name: 'resize', tool: 'resize.cwl', scatterWidth: 4 },
    { name: 'blur', tool: 'blur.cwl', scatterWidth: 4 },
    { name: 'annotate', tool: 'annotate.cwl', scatterWidth: 4 },
    { name: 'montage', tool: 'montage.cwl', scatterWidth: 1 },
  ];
  const blocks: BlockRow[] = [0, 1].map((b) => ({ id: String(b), executor: 'htex', provider: 'local', state: 'cancelled', submittedAt: T0 + 10, runningAt: T0 + 60 + b * 20, endedAt: T0 + 1500 }));
  return {
    dir: '/home/user/.local/state/parsl-cwl/runs/007',
    run: baseRun('pipeline.cwl', 'failed', T0 + 1500),
    tasks,
    blocks,
    steps,
    edges: [
      { from: 'generate', to: 'resize' },
      { from: 'resize', to: 'blur' },
      { from: 'resize', to: 'annotate' },
      { from: 'blur', to: 'montage' },
      { from: 'annotate', to: 'montage' },
    ],
  };
}

/** prepare → work ×N → gather on 2 blocks × 2 managers × 4 workers; N = 20,000 by default, all succeeded. */
export function scatterRecord(n = 20_000): RunRecord {
  const workers: Array<{ block: string; manager: string; worker: string }> = [];
  for (let b = 0; b < 2; b++) for (let m = 0; m < 2; m++) for (let w = 0; w < 4; w++) workers.push({ block: String(b), manager: `b${b}m${m}`, worker: String(w) });
  const free = workers.map(() => T0 + 300);
  const tasks: TaskRow[] = [task(0, 'prepare', undefined, T0 + 100, 150, 'exec_done', workers[0]!)];
  for (let i = 0; i < n; i++) {
    // Each task goes to the worker free first: a plausible packing, like a real pool's.
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
    const ms = 40 + ((i * 2654435761) % 97);
    tasks.push(task(i + 1, 'work', [i], free[k]!, ms, 'exec_done', workers[k]!));
    free[k] = free[k]! + ms + 2;
  }
  const end = Math.max(...free);
  tasks.push(task(n + 1, 'gather', undefined, end + 10, 500, 'exec_done', workers[0]!));
  return {
    dir: '/home/user/.local/state/parsl-cwl/runs/008',
    run: baseRun('scatter.cwl', 'succeeded', end + 600),
    tasks,
    blocks: [0, 1].map((b) => ({ id: String(b), executor: 'htex', provider: 'local', state: 'cancelled', submittedAt: T0 + 5, runningAt: T0 + 80, endedAt: end + 600 })),
    steps: [
      { name: 'prepare', scatterWidth: 1 },
      { name: 'work', scatterWidth: n },
      { name: 'gather', scatterWidth: 1 },
    ],
    edges: [
      { from: 'prepare', to: 'work' },
      { from: 'work', to: 'gather' },
    ],
  };
}
