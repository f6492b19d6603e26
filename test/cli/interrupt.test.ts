import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN, fixture, tempDir } from './cliHarness.js';
import { appeared } from '../fileEvents.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run the tool document `text` (saved as `name`) through bin/parsl-cwl, which execs Node, so a
 * signal sent to the child reaches the runner itself.
 */
async function runTool(name: string, text: string) {
  const dir = await fixture({ [name]: text });
  const child = spawn(BIN, ['--outdir', await tempDir(), name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, exited, stderr: () => stderr };
}

test('Ctrl-C (SIGINT) stops the running tool and exits 130', async () => {
  const marks = await tempDir('pcwl-int-');
  const tool = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, 'echo $$ > ${marks}/pid.tmp && mv ${marks}/pid.tmp ${marks}/pid && exec sleep 60']
inputs: []
outputs: []
`;
  const { child, exited, stderr } = await runTool('slow.cwl', tool);
  await appeared(marks, 'pid');
  const toolPid = Number(await readFile(path.join(marks, 'pid'), 'utf8'));
  assert.ok(alive(toolPid));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr());
  assert.match(stderr(), /interrupted/);
  // The tool's group got SIGTERM before the CLI exited; a zombie may linger until reaped.
  const stat = await readFile(`/proc/${toolPid}/stat`, 'utf8').catch(() => '');
  assert.ok(stat === '' || /^\d+ \(.*\) [ZX]/.test(stat), `the tool is still running: ${stat}`);
});

// A stopped tool gets SIGTERM and a grace period (2 s) before SIGKILL; the run exits once the
// tool is gone (src/cli/run.ts waits for it before the quick exit of settle.ts).
test('an interrupted tool gets its SIGTERM grace period: its handler finishes before the run exits', async () => {
  const marks = await tempDir('pcwl-int-grace-');
  const script = `trap 'sleep 0.5; echo done > ${marks}/cleaned; exit 3' TERM; echo $$ > ${marks}/pid.tmp && mv ${marks}/pid.tmp ${marks}/pid; while :; do sleep 0.05; done`;
  const tool = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, ${JSON.stringify(script)}]
inputs: []
outputs: []
`;
  const { child, exited, stderr } = await runTool('graceful.cwl', tool);
  await appeared(marks, 'pid');
  const sent = Date.now();
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr());
  const waited = Date.now() - sent;
  assert.equal((await readFile(path.join(marks, 'cleaned'), 'utf8').catch(() => 'missing')).trim(), 'done', `the TERM handler did not finish (run exited after ${waited} ms)`);
  assert.ok(waited >= 400 && waited < 2500, `exited ${waited} ms after SIGINT`);
});
