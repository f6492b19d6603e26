/**
 * `parsl-cwl conformance` end to end: a small suite, a fake runner, the report, JSON, JUnit, the
 * baseline ratchet and exit codes; plus the pure pieces (closing line, tag table, options, --runner).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closingLine, formatTagTable, tagTable } from '../../src/conformance/summary.js';
import { junitXml } from '../../src/conformance/junit.js';
import { checkBaseline, raiseBaseline } from '../../src/conformance/baseline.js';
import { parseConformanceArgs } from '../../src/conformance/options.js';
import { splitCommand } from '../../src/conformance/runnerCommand.js';
import type { TestResult } from '../../src/conformance/testRun.js';
import { fakeRunner, tempDir, writeTree } from './fixtures.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

let root: string;
let suite: string;
let runner: string;

before(async () => {
  root = await tempDir('conformance-cli');
  suite = path.join(root, 'suite');
  await writeTree(suite, {
    'conformance_tests.yaml': `
- {id: good, tool: tests/good.cwl, output: {x: 1}, tags: [required, command_line_tool]}
- {id: bad, tool: tests/bad.cwl, output: {x: 1}, tags: [command_line_tool]}
- {id: nojs, tool: tests/nojs.cwl, output: {x: 1}, tags: [inline_javascript, workflow]}
- {id: mustfail, tool: tests/bad.cwl, should_fail: true, tags: [required, workflow]}
`,
  });
  // Decides by the tool name (the third argument): good prints the output, bad fails, nojs is unsupported.
  runner = await fakeRunner(root, 'runner.sh', `case "$3" in
  tests/good.cwl) echo '{"x": 1}' ;;
  tests/nojs.cwl) exit 33 ;;
  *) echo "bad things happened" >&2; exit 1 ;;
esac`);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'conformance', ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('parsl-cwl conformance', () => {
  test('reports per tag, the failures, the wall time, and closes with the counts line', async () => {
    const json = path.join(root, 'out.json');
    const junit = path.join(root, 'out.xml');
    const r = await cli(['--suite', suite, '--runner', runner, '-j', '2', '--json', json, '--junit', junit]);
    assert.equal(r.code, 1, 'a failed test fails the run');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[lines.length - 1], '2 passed, 1 failed, 1 unsupported');
    assert.match(r.stdout, /^command_line_tool\s+1\/2\s+1\s+0$/m);
    assert.match(r.stdout, /^inline_javascript\s+0\/1\s+0\s+1$/m);
    assert.match(r.stdout, /^all\s+2\/4\s+1\s+1$/m);
    assert.match(r.stdout, /^ {2}bad: exit code 1: bad things happened$/m);
    assert.match(r.stdout, /Wall time: /);
    assert.match(r.stderr, /FAIL bad/);
    const report = JSON.parse(await readFile(json, 'utf8')) as { counts: unknown; tests: { id: string; status: string }[] };
    assert.deepEqual(report.counts, { passed: 2, failed: 1, unsupported: 1, total: 4 });
    assert.deepEqual(report.tests.map((t) => `${t.id}:${t.status}`), ['good:passed', 'bad:failed', 'nojs:unsupported', 'mustfail:passed']);
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /<testsuite [^>]*tests="4" failures="1" skipped="1"/);
    assert.match(xml, /<testcase name="bad"[^>]*>\s*<failure message="exit code 1: bad things happened"/);
    assert.match(xml, /<testcase name="nojs"[^>]*>\s*<skipped/);
  });

  test('--show-failures prints the command and the runner\'s stderr', async () => {
    const r = await cli(['--suite', suite, '--runner', runner, '--ids', 'bad', '--show-failures']);
    assert.match(r.stdout, /command \(in .*suite\): .*runner\.sh --outdir=\S+ --quiet tests\/bad\.cwl/);
    assert.match(r.stdout, /stderr \(tail\):\n\s+bad things happened/);
  });

  test('exits 0 when nothing fails', async () => {
    const r = await cli(['--suite', suite, '--runner', runner, '--exclude-tags', 'command_line_tool']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /1 passed, 0 failed, 1 unsupported\n$/);
  });

  test('--compare-with runs another runner on the same tests and prints both side by side', async () => {
    const other = await fakeRunner(root, 'other.sh', `echo '{"x": 1}'`);
    const markdown = path.join(root, 'side.md');
    const r = await cli(['--suite', suite, '--runner', runner, '--compare-with', other, '--markdown', markdown]);
    assert.equal(r.code, 1, 'the exit status follows --runner');
    assert.match(r.stdout, new RegExp(`== ${other} ==[\\s\\S]*3 passed, 1 failed, 0 unsupported`));
    assert.match(r.stdout, /^all\s+2\/4 \(1 unsupported\)\s+3\/4$/m);
    assert.match(r.stdout, /\n2 passed, 1 failed, 1 unsupported\n$/, 'the closing line is the --runner one');
    const table = await readFile(markdown, 'utf8');
    assert.match(table, /^\| tag \| .*runner\.sh \| .*other\.sh \|$/m);
    assert.match(table, /^\| \*\*all\*\* \| 2\/4 \(1 unsupported\) \| 3\/4 \|$/m);
  });

  test('the ratchet fails when a baseline test does not pass', async () => {
    const baseline = path.join(root, 'baseline-regress.json');
    await writeFile(baseline, JSON.stringify({ passing: ['good', 'bad'] }));
    const r = await cli(['--suite', suite, '--runner', runner, '--baseline', baseline]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /REGRESSION bad: exit code 1/);
    assert.match(r.stdout, /Ratchet FAILED/);
  });

  test('the ratchet passes when every baseline test passes, and prints the new passes', async () => {
    const baseline = path.join(root, 'baseline-ok.json');
    await writeFile(baseline, JSON.stringify({ passing: ['good'] }));
    const r = await cli(['--suite', suite, '--runner', runner, '--baseline', baseline]);
    assert.equal(r.code, 0, 'failures outside the baseline do not fail the ratchet');
    assert.match(r.stdout, /New passes not yet in the baseline \(1\): mustfail/);
    assert.match(r.stdout, /--update-baseline/);
  });

  test('--update-baseline adds the new passes and keeps the listed ones', async () => {
    const baseline = path.join(root, 'baseline-up.json');
    await writeFile(baseline, JSON.stringify({ passing: ['good'] }));
    const r = await cli(['--suite', suite, '--runner', runner, '--baseline', baseline, '--update-baseline', '--set', 'tool,workflow']);
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(await readFile(baseline, 'utf8')) as { passing: string[]; sets: string[] };
    assert.deepEqual(written.passing, ['good', 'mustfail']);
  });

  test('a baseline naming a test the suite does not have is an error', async () => {
    const baseline = path.join(root, 'baseline-unknown.json');
    await writeFile(baseline, JSON.stringify({ passing: ['good', 'renamed_test'] }));
    const r = await cli(['--suite', suite, '--runner', runner, '--baseline', baseline]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PCWL_BASELINE_INVALID.*renamed_test/);
  });

  test('a runner that does not exist stops before any test, with its own code', async () => {
    const r = await cli(['--suite', suite, '--runner', 'no-such-cwl-runner --flag']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PCWL_RUNNER_NOT_FOUND.*no-such-cwl-runner/);
  });

  test('a usage error exits 2', async () => {
    const r = await cli(['--suite', suite, '--jobs', 'zero']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PCWL_USAGE.*--jobs/);
  });
});

describe('report pieces', () => {
  const result = (id: string, status: TestResult['status'], tags: string[]): TestResult => ({
    id,
    number: 1,
    tags,
    status,
    exitCode: 0,
    signal: null,
    timedOut: false,
    durationMs: 1000,
    command: ['r'],
    cwd: '/',
    stdout: '',
    stderrTail: '',
    ...(status === 'failed' ? { reason: 'exit code 1 <&>' } : {}),
  });

  test('the closing line is exactly "N passed, N failed, N unsupported"', () => {
    assert.equal(closingLine({ passed: 358, failed: 7, unsupported: 13, total: 378 }), '358 passed, 7 failed, 13 unsupported');
  });

  test('the tag table counts a test under each of its tags, an untagged test only under all', () => {
    const rows = tagTable([result('a', 'passed', ['x', 'y']), result('b', 'failed', ['y']), result('c', 'unsupported', [])]);
    assert.deepEqual(rows.map((r) => [r.tag, r.passed, r.failed, r.unsupported, r.total]), [
      ['x', 1, 0, 0, 1],
      ['y', 1, 1, 0, 2],
      ['all', 1, 1, 1, 3],
    ]);
    assert.match(formatTagTable(rows), /^y\s+1\/2\s+1\s+0$/m);
  });

  test('JUnit XML escapes reasons', () => {
    const xml = junitXml({ results: [result('a', 'failed', ['x'])], wallMs: 1000, suiteName: 's & t' });
    assert.match(xml, /name="s &amp; t"/);
    assert.match(xml, /message="exit code 1 &lt;&amp;&gt;"/);
  });

  test('raising the baseline only adds ids', () => {
    const baseline = { description: 'd', suite: 's', sets: ['tool'], passing: ['a', 'c'] };
    const check = checkBaseline(baseline, [result('a', 'failed', []), result('b', 'passed', [])]);
    assert.deepEqual(check.regressions.map((r) => r.id), ['a']);
    assert.deepEqual(check.newPasses, ['b']);
    assert.deepEqual(check.notRun, ['c']);
    assert.deepEqual(raiseBaseline(baseline, check.newPasses, { description: '', suite: '', sets: [] }).passing, ['a', 'b', 'c']);
  });
});

describe('options', () => {
  test('--runner is split like a shell command line', () => {
    assert.deepEqual(splitCommand('cwltool --no-container'), ['cwltool', '--no-container']);
    assert.deepEqual(splitCommand(`toil-cwl-runner --opt "a b" 'c d' e\\ f`), ['toil-cwl-runner', '--opt', 'a b', 'c d', 'e f']);
    assert.throws(() => splitCommand('x "open'), /PCWL_USAGE/);
  });

  test('options take values after a space or "=", and defaults are set', () => {
    const o = parseConformanceArgs(['--tags=a,b', '--exclude-tags', 'c', '-j', '3', '--timeout=60', '--set', 'tool,workflow', '--show-failures']);
    assert.deepEqual([o.tags, o.excludeTags, o.jobs, o.timeoutSeconds, o.sets, o.showFailures], [['a', 'b'], ['c'], 3, 60, ['tool', 'workflow'], true]);
    const d = parseConformanceArgs([]);
    assert.equal(d.timeoutSeconds, 600);
    assert.ok(d.jobs >= 1);
    assert.throws(() => parseConformanceArgs(['--set', 'gpu']), /PCWL_USAGE.*gpu/);
    assert.throws(() => parseConformanceArgs(['--update-baseline']), /needs --baseline/);
  });
});
