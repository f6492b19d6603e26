/**
 * The run command's live progress (src/cli/run/progressLine.ts): under a real pseudo-terminal
 * (`script` from util-linux) a bar redrawn in place with counts, rate and ETA, erased at the end;
 * with stderr a pipe, no control characters and no lines for a short run; `--quiet`: none.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { test } from 'node:test';
import { ProgressLine, progressText } from '../../src/cli/run/progressLine.js';
import { BIN, runCli, STATE_HOME, tempDir } from '../cli/cliHarness.js';

/** Six `sleep 0.4` instances: with four commands at once (two cores), about a second of work. */
async function sleepsWorkflow(): Promise<string> {
  const dir = await tempDir('pcwl-progress-');
  writeFileSync(
    path.join(dir, 'sleeps.cwl'),
    `cwlVersion: v1.2
class: Workflow
requirements: {ScatterFeatureRequirement: {}}
inputs: {secs: 'string[]'}
outputs: []
steps:
  nap:
    run:
      class: CommandLineTool
      baseCommand: sleep
      inputs: {s: {type: string, inputBinding: {position: 1}}}
      outputs: []
    scatter: s
    in: {s: secs}
    out: []
`,
  );
  return path.join(dir, 'sleeps.cwl');
}

/** Run the installed command under a pseudo-terminal; returns what the terminal showed. */
function underTerminal(args: string[], cwd: string): Promise<{ code: number | null; screen: string }> {
  const command = [BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd, env: { ...process.env, XDG_STATE_HOME: STATE_HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, screen }));
  });
}

const SECS = ['0.4', '0.4', '0.4', '0.4', '0.4', '0.4'].flatMap((s) => ['--secs', s]);

test('on a terminal: a bar with counts, rate and ETA, redrawn in place and erased at the end', async () => {
  const wf = await sleepsWorkflow();
  const out = await tempDir();
  const { code, screen } = await underTerminal(['--outdir', out, wf, ...SECS], out);
  assert.equal(code, 0, screen);
  const redraws = screen.split('\r\x1b[2K').slice(1);
  assert.ok(redraws.length >= 2, `drawn and erased at least once: ${JSON.stringify(screen)}`);
  const drawn = redraws.filter((r) => /^parsl-cwl: sleeps\.cwl \d+ s \[/.test(r));
  assert.ok(drawn.length >= 1, JSON.stringify(screen));
  assert.match(drawn[drawn.length - 1]!, /^parsl-cwl: sleeps\.cwl \d s \[[#-]{20}\] \d\/6 done, \d running/);
  assert.ok(drawn.some((r) => /\d(\.\d)?\/s/.test(r)), `a rate once a task finished: ${JSON.stringify(drawn)}`);
  // Erased before the output object: the JSON starts on a clean line.
  assert.match(screen, /\r\x1b\[2K\{/);

  const quiet = await underTerminal(['--quiet', '--outdir', out, wf, ...SECS], out);
  assert.equal(quiet.code, 0);
  assert.ok(!quiet.screen.includes('\x1b'), `--quiet draws nothing: ${JSON.stringify(quiet.screen)}`);
});

test('stderr not a terminal: no control characters, and no progress lines in a short run', async () => {
  const wf = await sleepsWorkflow();
  const out = await tempDir();
  const r = await runCli(['--outdir', out, wf, ...SECS], { cwd: out });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes('\x1b') && !r.stderr.includes('\r'), JSON.stringify(r.stderr));
  assert.doesNotMatch(r.stderr, /done,/);
});

test('plain lines when not a terminal, a bar on one; the text of counts, rate and ETA', async () => {
  // The display's timers do not keep a program alive; this test waits on them.
  const alive = setInterval(() => {}, 1000);
  const plain = new PassThrough();
  const line = new ProgressLine('wf.cwl', { stream: plain, tty: false, firstMs: 1, everyMs: 1000 });
  line.setCounts(() => ({ total: 10, waiting: 1, queued: 2, running: 3, done: 4, failed: 0 }));
  const first = new Promise<string>((resolve) => plain.once('data', (d: Buffer) => resolve(d.toString())));
  line.start();
  const text = await first;
  line.stop();
  assert.match(text, /^parsl-cwl: wf\.cwl 0 s 4\/10 done, 3 running, 2 launched, 1 waiting(, [\d.]+\/s, ETA \d+ (s|min \d\d s))?\n$/);

  const tty = new PassThrough();
  const bar = new ProgressLine('wf.cwl', { stream: tty, tty: true, firstMs: 1, everyMs: 1000 });
  bar.setCounts(() => ({ total: 4, waiting: 0, queued: 0, running: 1, done: 3, failed: 0 }));
  const drawn = new Promise<string>((resolve) => tty.once('data', (d: Buffer) => resolve(d.toString())));
  bar.start();
  assert.match(await drawn, /^\r\x1b\[2Kparsl-cwl: wf\.cwl 0 s \[#{15}-{5}\] 3\/4 done, 1 running/);
  const erased = new Promise<string>((resolve) => tty.once('data', (d: Buffer) => resolve(d.toString())));
  bar.stop();
  assert.equal(await erased, '\r\x1b[2K');
  clearInterval(alive);

  assert.equal(
    progressText('wf.cwl', 125, { total: 2000, waiting: 0, queued: 30, running: 4, done: 120, failed: 2 }, 85.2, '1 steps not started', false),
    'parsl-cwl: wf.cwl 2 min 05 s 120/2000 done, 4 running, 30 launched, 2 failed, 85/s, ETA 22 s, 1 steps not started',
  );
});
