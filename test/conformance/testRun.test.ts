/**
 * The cwl-runner protocol and the exit-code rules, end to end with fake runners (real bash scripts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runConformanceTest, type TestRunOptions } from '../../src/conformance/testRun.js';
import { runTests } from '../../src/conformance/harness.js';
import { fakeRunner, goneWithin, makeTest, tempDir, waitForFile } from './fixtures.js';

let root: string;
let suiteDir: string;
let scratchDir: string;

before(async () => {
  root = await tempDir('testrun');
  suiteDir = path.join(root, 'suite');
  scratchDir = path.join(root, 'scratch');
  await mkdir(suiteDir);
  await mkdir(scratchDir);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(body: string, fields: Parameters<typeof makeTest>[0], extra: Partial<TestRunOptions> = {}): Promise<Awaited<ReturnType<typeof runConformanceTest>>> {
  const runner = await fakeRunner(root, `${fields.id}.sh`, body);
  return runConformanceTest(makeTest(fields), { runner: [runner], suiteDir, timeoutSeconds: 30, scratchDir, ...extra });
}

describe('the cwl-runner protocol', () => {
  test('runs RUNNER --outdir=<fresh empty dir> --quiet TOOL#frag JOB in the suite folder', async () => {
    const log = path.join(root, 'protocol.log');
    const result = await run(
      `{ echo "$PWD"; for a in "$@"; do echo "$a"; done; ls -A "\${1#--outdir=}" | wc -l; } > ${log}\necho '{}'`,
      { id: 'protocol', tool: 'tests/wf.cwl#main', job: 'tests/wf-job.json' },
    );
    assert.equal(result.status, 'passed', result.reason);
    const [cwd, outdirArg, quiet, tool, job, entries] = (await readFile(log, 'utf8')).trim().split('\n');
    assert.equal(cwd, suiteDir);
    assert.match(outdirArg ?? '', /^--outdir=\//);
    assert.equal(quiet, '--quiet');
    assert.equal(tool, 'tests/wf.cwl#main');
    assert.equal(job, 'tests/wf-job.json');
    assert.equal(entries, '0', 'the outdir is fresh and empty');
    assert.ok(!existsSync((outdirArg ?? '').slice('--outdir='.length)), 'the outdir is removed after the test');
  });

  test('a test without a job passes only the tool', async () => {
    const log = path.join(root, 'nojob.log');
    await run(`echo "$#" > ${log}\necho '{}'`, { id: 'nojob', tool: 'tests/t.cwl' });
    assert.equal((await readFile(log, 'utf8')).trim(), '3');
  });

  test('each test gets its own outdir', async () => {
    const log = path.join(root, 'outdirs.log');
    const runner = await fakeRunner(root, 'outdirs.sh', `echo "$1" >> ${log}\necho '{}'`);
    await runTests({ runner: [runner], suiteDir, tests: [makeTest({ id: 'a', number: 1 }), makeTest({ id: 'b', number: 2 })], jobs: 2, timeoutSeconds: 30 });
    const dirs = (await readFile(log, 'utf8')).trim().split('\n');
    assert.equal(new Set(dirs).size, 2);
  });

  test('empty stdout is the output {}', async () => {
    assert.equal((await run('exit 0', { id: 'empty-ok', output: {} })).status, 'passed');
    const result = await run('exit 0', { id: 'empty-bad', output: { x: 1 } });
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', /output\.x/);
  });

  test('stdout that is not JSON fails', async () => {
    const result = await run('echo "this is not json"', { id: 'notjson', output: {} });
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', /not valid JSON/);
  });

  test('a File the runner wrote into the outdir is compared with the expected one', async () => {
    const body = `out="\${1#--outdir=}"; printf 'hi\\n' > "$out/out.txt"
echo "{\\"o\\": {\\"class\\": \\"File\\", \\"location\\": \\"file://$out/out.txt\\", \\"path\\": \\"$out/out.txt\\", \\"size\\": 3}}"`;
    const expected = { o: { class: 'File', location: 'out.txt', size: 3, checksum: 'sha1$55ca6286e3e4f4fba5d0448333fa99fc5a404a73' } };
    const result = await run(body, { id: 'file-out', output: expected });
    assert.equal(result.status, 'passed', result.reason);
    const wrong = await run(body, { id: 'file-out-wrong', output: { o: { ...expected.o, size: 4 } } });
    assert.equal(wrong.status, 'failed');
  });
});

describe('exit-code rules', () => {
  test('exit 33 on a test not tagged required is unsupported', async () => {
    assert.equal((await run('exit 33', { id: 'u1', tags: ['inline_javascript'] })).status, 'unsupported');
  });

  test('exit 33 on a required test is a failure', async () => {
    const result = await run('exit 33', { id: 'u2', tags: ['required', 'command_line_tool'] });
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', /33/);
  });

  test('a test without tags counts as required: exit 33 fails it', async () => {
    assert.equal((await run('exit 33', { id: 'u3', tags: [], required: true })).status, 'failed');
  });

  test('exit 33 on a should_fail test not tagged required is unsupported', async () => {
    assert.equal((await run('exit 33', { id: 'u4', tags: ['schema_def'], shouldFail: true })).status, 'unsupported');
  });

  test('exit 33 on a required should_fail test passes (it did fail)', async () => {
    assert.equal((await run('exit 33', { id: 'u5', tags: ['required'], shouldFail: true })).status, 'passed');
  });

  test('a should_fail test passes on another non-zero exit', async () => {
    assert.equal((await run('exit 1', { id: 'sf1', shouldFail: true })).status, 'passed');
    assert.equal((await run('exit 2', { id: 'sf2', shouldFail: true })).status, 'passed');
  });

  test('a should_fail test passes when the runner dies of a signal', async () => {
    assert.equal((await run('kill -KILL $$', { id: 'sf3', shouldFail: true })).status, 'passed');
  });

  test('a should_fail test fails on exit 0', async () => {
    const result = await run(`echo '{}'`, { id: 'sf4', shouldFail: true });
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', /should fail/);
  });

  test('a non-zero exit fails a normal test, with the last stderr line as the reason', async () => {
    const result = await run('echo "step s1 broke" >&2; exit 1', { id: 'nz' });
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'exit code 1: step s1 broke');
    assert.equal(result.exitCode, 1);
  });

  test('colour escape sequences are dropped from the reason', async () => {
    const result = await run(`printf '\\033[1;31mError:\\033[0m no luck\\n' >&2; exit 1`, { id: 'colour' });
    assert.equal(result.reason, 'exit code 1: Error: no luck');
  });

  test("after an uncaught exception in Node, the error line is the reason, not the stack or version", async () => {
    const result = await run(`printf 'TypeError: x is not a function\\n    at main (file.js:1:1)\\n\\nNode.js v20.20.2\\n' >&2; exit 1`, { id: 'nodecrash' });
    assert.equal(result.reason, 'exit code 1: TypeError: x is not a function');
  });

  test('a timeout is a failure, and the runner with everything it started is killed', async () => {
    const pidFile = path.join(root, 'timeout.pid');
    const start = performance.now();
    const result = await run(`sleep 300 &\necho $! > ${pidFile}\nwait`, { id: 'slow', shouldFail: true }, { timeoutSeconds: 1, killGraceMs: 500 });
    assert.equal(result.status, 'failed', 'a timeout fails even a should_fail test');
    assert.equal(result.timedOut, true);
    assert.match(result.reason ?? '', /timed out after 1s/);
    assert.ok(performance.now() - start < 10_000);
    assert.ok(await goneWithin(Number(await readFile(pidFile, 'utf8')), 2000), 'the runner child is gone');
  });

  test('processes a runner leaves behind are stopped when it exits', async () => {
    const pidFile = path.join(root, 'linger.pid');
    const result = await run(`sleep 300 &\necho $! > ${pidFile}\necho '{}'`, { id: 'linger' });
    assert.equal(result.status, 'passed');
    assert.ok(await goneWithin(Number(await readFile(pidFile, 'utf8')), 2000));
  });

  test('a runner that cannot start fails the test with the reason', async () => {
    const result = await runConformanceTest(makeTest({ id: 'nostart' }), { runner: [path.join(root, 'no-such-runner')], suiteDir, timeoutSeconds: 5, scratchDir });
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', /could not start the runner.*ENOENT/);
  });
});

describe('running many tests', () => {
  test('runs at most -j tests at a time and reports in suite order', async () => {
    const log = path.join(root, 'overlap.log');
    const runner = await fakeRunner(root, 'overlap.sh', `echo "+" >> ${log}\nsleep 0.3\necho "-" >> ${log}\necho '{}'`);
    const tests = ['t1', 't2', 't3', 't4', 't5'].map((id, i) => makeTest({ id, number: i + 1 }));
    const run = await runTests({ runner: [runner], suiteDir, tests, jobs: 2, timeoutSeconds: 30 });
    assert.deepEqual(run.results.map((r) => r.id), ['t1', 't2', 't3', 't4', 't5']);
    let running = 0;
    let most = 0;
    for (const mark of (await readFile(log, 'utf8')).trim().split('\n')) {
      running += mark === '+' ? 1 : -1;
      most = Math.max(most, running);
    }
    assert.equal(most, 2);
  });

  test('aborting stops the running tests and starts no more', async () => {
    const started = path.join(root, 'abort.started');
    const runner = await fakeRunner(root, 'abort.sh', `echo x >> ${started}\nsleep 300`);
    const controller = new AbortController();
    const tests = ['a1', 'a2', 'a3'].map((id, i) => makeTest({ id, number: i + 1 }));
    const results: string[] = [];
    const done = runTests({ runner: [runner], suiteDir, tests, jobs: 1, timeoutSeconds: 60, signal: controller.signal, onResult: (r) => results.push(r.reason ?? '') });
    // Abort once the first runner has started (its mark is the event to wait for).
    await waitForFile(started);
    controller.abort();
    const run = await done;
    assert.equal(run.results.length, 1);
    assert.equal(run.results[0]?.reason, 'interrupted');
  });
});
