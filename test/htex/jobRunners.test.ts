/** `job` tasks: the runner a layer above registers runs them (src/executors/jobRunners.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, errorFromJson, errorToJson } from '../../src/util/index.js';
import { JobRunnerMissingError } from '../../src/executors/errors.js';
import { registerJobRunner, type JobRunOptions } from '../../src/executors/jobRunners.js';
import { runTask } from '../../src/executors/taskRunner.js';
import { CWL_JOB_RUNNER, cwlJobResult, cwlJobTask } from '../../src/cwl/jobTask.js';

test('a job task runs with its registered runner, loaded once, given the job, the signal and the options', async () => {
  let loads = 0;
  const calls: Array<{ job: unknown; signal: AbortSignal | undefined; options: JobRunOptions }> = [];
  registerJobRunner('test-echo', async () => {
    loads++;
    return async (job, signal, options) => {
      calls.push({ job, signal, options });
      return { echoed: job };
    };
  });
  const ac = new AbortController();
  const log = (): void => {};
  assert.deepEqual(await runTask({ kind: 'job', runner: 'test-echo', job: { n: 1 } }, ac.signal, { killGraceMs: 300, log }), { kind: 'job', result: { echoed: { n: 1 } } });
  assert.deepEqual(await runTask({ kind: 'job', runner: 'test-echo', job: 2 }), { kind: 'job', result: { echoed: 2 } });
  assert.equal(loads, 1);
  assert.equal(calls[0]!.signal, ac.signal);
  assert.equal(calls[0]!.options.killGraceMs, 300);
  assert.equal(calls[0]!.options.log, log);
});

test('a job whose runner nobody registered fails with a coded error naming the runner, across a process boundary too', async () => {
  const err = await runTask({ kind: 'job', runner: 'no-such-runner', job: {} }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof JobRunnerMissingError);
  assert.equal(err.code, ErrorCode.JobRunnerMissing);
  assert.match(err.message, /no runner 'no-such-runner'/);
  const back = errorFromJson(errorToJson(err));
  assert.ok(back instanceof JobRunnerMissingError);
  assert.equal(back.runner, 'no-such-runner');
  assert.equal(back.message, err.message);
});

test('the CWL layer registers runner cwl: its tasks and their outcomes', async () => {
  const job = { tool: { class: 'ExpressionTool' }, inputs: {}, requirements: [], hints: [], paths: { jobDir: '/nonexistent' }, name: 'x' } as never;
  assert.deepEqual(cwlJobTask(job), { kind: 'job', runner: CWL_JOB_RUNNER, job });
  const result = { outputs: { a: 1 }, exitCode: 0, outdir: '/o' };
  assert.equal(cwlJobResult({ kind: 'job', result }, 'x'), result);
  assert.throws(() => cwlJobResult({ kind: 'noop' }, 'x'), (e: unknown) => e instanceof Error && /x: the executor returned a 'noop' outcome/.test(e.message));
});
