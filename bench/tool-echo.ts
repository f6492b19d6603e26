/**
 * Tool start-up benchmark (issue 2): `parsl-cwl cwl-examples/echo.cwl cwl-examples/echo-job.yml`
 * run N times as a fresh process through the installed command (bin/parsl-cwl: bundled run path,
 * code cache), and `cwltool --no-container` on the same tool when it is installed, measured in the
 * same run. Prints mean and median wall time of each and the ratio. Target: ≤ 0.15 s per parsl-cwl
 * run, ≥ 10× faster than cwltool. Also timed, for reference: the ES module entry
 * (`node dist/src/cli/main.js`, what `--debug` runs) and `node -e 0` in this environment, the floor
 * (on this machine NODE_EXTRA_CA_CERTS is set, which adds 30-55 ms to every plain Node start; the
 * installed command avoids it, see docs/running-tools.md, "Start-up"). On a loaded machine all figures grow, and
 * the ratio to cwltool is the comparable number.
 *
 *   npm run bench:tool [-- --n 20 --cwltool-n 5 --no-cwltool]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
// Compiled to dist/bench/: the CLI is dist/src/cli/main.js, the examples are at the repo root.
const CLI = resolve(here, '../src/cli/main.js');
const BIN = resolve(here, '../../bin/parsl-cwl');
const EXAMPLES = resolve(here, '../../cwl-examples');
const TOOL = join(EXAMPLES, 'echo.cwl');
const JOB = join(EXAMPLES, 'echo-job.yml');

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Wall time of one run, in seconds; stdout/stderr are discarded (no pipes to drain). */
function timeRun(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`));
      else resolvePromise(seconds);
    });
  });
}

async function series(label: string, n: number, cmd: string, args: (outdir: string) => string[]): Promise<{ mean: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const outdir = mkdtempSync(join(tmpdir(), 'pcwl-bench-'));
    try {
      times.push(await timeRun(cmd, args(outdir)));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  console.log(`${label.padEnd(28)} n=${String(n).padStart(3)}  mean ${mean.toFixed(3)} s  median ${median.toFixed(3)} s  min ${(sorted[0] as number).toFixed(3)} s`);
  return { mean, median };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '20' }, 'cwltool-n': { type: 'string', default: '5' }, 'no-cwltool': { type: 'boolean', default: false } },
  });
  const n = Number(values.n);
  // One warm-up run of each entry so the file system, document and code caches are in the state
  // every later run finds them in.
  for (const [cmd, args] of [[BIN, []], [process.execPath, [CLI]]] as const) {
    await timeRun(cmd, [...args, '--quiet', '--outdir', mkdtempSync(join(tmpdir(), 'pcwl-bench-')), TOOL, JOB]);
  }
  // Node's own start-up in the same conditions: on a busy machine every figure grows, this shows by how much.
  const extraCerts = process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS set)' : '';
  await series(`node -e 0${extraCerts}`, n, process.execPath, () => ['-e', '0']);
  await series('node main.js echo.cwl (ESM)', n, process.execPath, (outdir) => [CLI, '--quiet', '--outdir', outdir, TOOL, JOB]);
  const ours = await series('parsl-cwl echo.cwl', n, BIN, (outdir) => ['--quiet', '--outdir', outdir, TOOL, JOB]);
  const target = 0.15;
  console.log(`target ≤ ${target.toFixed(2)} s per run: ${ours.median <= target ? 'met' : 'NOT met'} (median)`);
  const cwltool = values['no-cwltool'] ? undefined : which('cwltool');
  if (!cwltool) {
    console.log('cwltool: not measured (not installed, or --no-cwltool); install with apt-get install -y cwltool');
    return;
  }
  const theirs = await series('cwltool --no-container', Number(values['cwltool-n']), cwltool, (outdir) => ['--no-container', '--quiet', '--outdir', outdir, TOOL, JOB]);
  const ratio = theirs.median / ours.median;
  console.log(`ratio (median cwltool / median parsl-cwl): ${ratio.toFixed(1)}×  (target ≥ 10×: ${ratio >= 10 ? 'met' : 'NOT met'})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
