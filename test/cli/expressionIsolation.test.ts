/**
 * Real runs of hostile expressions (issue 12): each ends with exit 1 and exactly one coded error
 * line, nothing on stdout and no file written by the expression, through bin/parsl-cwl (the bundle)
 * and the ES module entry. A signal during a long expression is answered within its time limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, EXAMPLES, fixture, runCli, tempDir, type CliResult } from './cliHarness.js';

function assertOnlyError(r: CliResult, code: string, exit = 1): void {
  assert.equal(r.code, exit, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0] as string, new RegExp(`^parsl-cwl: error: \\[${code}\\] `));
}

const tool = (argument: string, lib: string[] = []) => `cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement:
    expressionLib: ${JSON.stringify(lib)}
baseCommand: echo
inputs: []
outputs: []
arguments: [${JSON.stringify(argument)}]
`;

async function runTool(text: string, args: string[] = [], entry: 'bin' | 'esm' = 'bin'): Promise<CliResult> {
  const dir = await fixture({ 't.cwl': text });
  return runCli(['--outdir', await tempDir(), ...args, 't.cwl'], { cwd: dir, entry });
}

for (const entry of ['bin', 'esm'] as const) {
  test(`${entry}: escapes to the runner's process are ReferenceErrors: one coded line, no forged output, no file`, async () => {
    const dir = await tempDir('pcwl-escape-');
    const marker = path.join(dir, 'written');
    const forge = `globalThis.constructor.constructor("return process")()`;
    const cases = [
      tool(`\${ var p = ${forge}; p.stdout.write('{"forged": true}\\n'); p.mainModule.require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); p.exit(0); }`),
      tool('$(P.pid)', [`var P = this.constructor.constructor("return process")(); P.mainModule.require("fs").writeFileSync(${JSON.stringify(marker)}, "x");`]),
      tool(`$(Function("return process")().mainModule.require("fs").writeFileSync(${JSON.stringify(marker)}, "x"))`),
      tool(`$([].constructor.constructor("return require")()("fs").writeFileSync(${JSON.stringify(marker)}, "x"))`),
    ];
    for (const text of cases) {
      const r = await runTool(text, [], entry);
      assertOnlyError(r, 'PCWL_EXPRESSION_ERROR');
      assert.match(r.stderr, /ReferenceError: (process|require) is not defined/);
    }
    assert.deepEqual(readdirSync(dir), []);
  });
}

test('under HTEX the worker processes evaluate in the same isolation, with the same limits', async () => {
  const htex = ['--config', path.join(EXAMPLES, 'configs', 'htex-local.yml')];
  const escape = await runTool(tool('$(globalThis.constructor.constructor("return process")().pid)'), htex);
  assertOnlyError(escape, 'PCWL_EXPRESSION_ERROR');
  assert.match(escape.stderr, /process is not defined/);
  const bomb = await runTool(tool('${ var a = []; while (true) a.push(new Array(100000).fill(1)); }'), [...htex, '--eval-memory', '64', '--eval-timeout', '300']);
  assertOnlyError(bomb, 'PCWL_EXPRESSION_MEMORY');
  assert.match(bomb.stderr, /64 MB/);
});

test('import() loads nothing: the Promise it gives is an expression error', async () => {
  const r = await runTool(tool('$(import("node:fs"))'));
  assertOnlyError(r, 'PCWL_EXPRESSION_ERROR');
  assert.match(r.stderr, /gave a Promise/);
});

test('a promise loop: PCWL_EXPRESSION_TIMEOUT after --eval-timeout', async () => {
  const started = Date.now();
  const r = await runTool(tool('$(Promise.resolve().then(function () { while (true) {} }))'), ['--eval-timeout', '1']);
  assertOnlyError(r, 'PCWL_EXPRESSION_TIMEOUT');
  assert.ok(Date.now() - started < 20_000);
});

test('a memory bomb: PCWL_EXPRESSION_MEMORY with --eval-memory, long before the time limit', async () => {
  const bomb = '${ var a = []; while (true) a.push(new Array(100000).fill(1)); }';
  const started = Date.now();
  const r = await runTool(tool(bomb), ['--eval-memory', '64', '--eval-timeout', '300']);
  assertOnlyError(r, 'PCWL_EXPRESSION_MEMORY');
  assert.match(r.stderr, /64 MB/);
  assert.ok(Date.now() - started < 120_000);
});

test('the default memory limit is 512 MB', async () => {
  const r = await runTool(tool('${ var a = []; while (true) a.push(new Array(100000).fill(1)); }'), ['--eval-timeout', '300']);
  assertOnlyError(r, 'PCWL_EXPRESSION_MEMORY');
  assert.match(r.stderr, /512 MB/);
});

test('--eval-memory needs a whole number of megabytes', async () => {
  const r = await runTool(tool('$(1)'), ['--eval-memory', 'lots']);
  assertOnlyError(r, 'PCWL_USAGE', 2);
});

test('a workflow valueFrom (evaluated in the CLI process) cannot escape either', async () => {
  const dir = await fixture({
    'wf.cwl': `cwlVersion: v1.2
class: Workflow
requirements:
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
inputs: []
outputs: []
steps:
  s:
    in:
      x: {valueFrom: '$(globalThis.constructor.constructor("return process")().exit(0))'}
    out: []
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs: {x: Any}
      outputs: []
`,
  });
  const r = await runCli(['--outdir', await tempDir(), 'wf.cwl'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /\[PCWL_[A-Z_]+\].*process is not defined/);
});

/** CPU seconds used by threads of `pid` other than its main thread (from /proc). */
function otherThreadsCpu(pid: number): number {
  let ticks = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ticks / 100;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} during an endless expression is answered within the time limit (exit 130)`, { timeout: 120_000 }, async () => {
    const limitSec = 3;
    const dir = await fixture({ 't.cwl': tool('${ while (true) {} }') });
    const child = spawn(BIN, ['--outdir', await tempDir(), '--eval-timeout', String(limitSec), 't.cwl'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    // The loop runs on the evaluator thread: wait until some thread other than the main one has
    // burnt a quarter second of CPU, which nothing else in a run this small does.
    const pid = child.pid as number;
    while (existsSync(`/proc/${pid}`) && otherThreadsCpu(pid) < 0.25) await new Promise((r) => setTimeout(r, 20));
    const sent = Date.now();
    child.kill(signal);
    const code = await exited;
    const took = Date.now() - sent;
    assert.equal(code, 130, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /interrupted/);
    // The bound allows a loaded machine's scheduling delay; a runner that waited for the loop would
    // take the whole test timeout.
    assert.ok(took < limitSec * 1000 + 6000, `answered after ${took} ms`);
  });
}
