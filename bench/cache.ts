/**
 * Job cache benchmark (issue 17): the 2,000-way `echo` scatter of bench/scatter.ts run twice with
 * `--cachedir` by parsl-cwl (the installed command): the first run stores every job, the second
 * finds every one. The second run's time over the first's is the headline (`cache_hit_ratio`,
 * target ≤ 0.15). `cwltool --no-container --cachedir` does the same in the same run, as the peer
 * (`--cwltool-n` sets its width; it defaults to the same 2,000).
 *
 * Before them, the same run without --cachedir (`nocache_s`): what storing every job costs the first
 * run (`cache_store_overhead`, first / no cache; `--no-baseline` leaves it out).
 *
 *   npm run bench:cache [-- --n 2000 --cwltool-n 2000 --no-cwltool --no-baseline]
 *
 * Prints `key value` lines: nocache_s, cache_first_s, cache_second_s, cache_hit_ratio, cache_store_overhead, cwltool_n,
 * cwltool_first_s, cwltool_second_s, cwltool_hit_ratio, and cache_second_vs_cwltool_second (the
 * two all-hit runs per instance, when the widths differ).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, ECHO_TOOL, ECHO_SCATTER_WF } from './documents.js';

/** Wall seconds of `argv` in `cwd`; exits the bench when it fails (a failed run is no figure). */
function timed(argv: string[], cwd: string, label: string): Promise<number> {
  return new Promise((done, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0] as string, argv.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-3000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`${label} exited with ${code}; stderr ends with:\n${stderr}`));
      else {
        process.stderr.write(`  ${label}: ${seconds.toFixed(2)} s${/reused from the cache/.test(stderr) ? ` (${(/workflow: .*reused from the cache[^\n(]*/.exec(stderr) ?? [''])[0]})` : ''}\n`);
        done(seconds);
      }
    });
  });
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

function workload(dir: string, n: number): { wf: string; job: string } {
  const sub = mkdtempSync(join(dir, `n${n}-`));
  writeFileSync(join(sub, 'echo.cwl'), ECHO_TOOL);
  writeFileSync(join(sub, 'wf.cwl'), ECHO_SCATTER_WF);
  writeFileSync(join(sub, 'job.json'), JSON.stringify({ messages: Array.from({ length: n }, (_, i) => `message ${i}`) }));
  return { wf: join(sub, 'wf.cwl'), job: join(sub, 'job.json') };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '2000' },
      'cwltool-n': { type: 'string' },
      'no-cwltool': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
    },
  });
  const n = Number(values.n);
  const cwltoolN = Number(values['cwltool-n'] ?? values.n);
  const dir = mkdtempSync(join(tmpdir(), 'pcwl-bench-cache-'));
  try {
    process.stderr.write(`cache benchmark: a ${n}-way echo scatter run twice with --cachedir (${dir})\n`);
    const ours = workload(dir, n);
    const cache = join(dir, 'cache-parsl-cwl');
    const baseline = values['no-baseline'] ? undefined : await timed([BIN, '--outdir', join(dir, 'out0'), ours.wf, ours.job], dir, 'parsl-cwl, no cache');
    const first = await timed([BIN, '--cachedir', cache, '--outdir', join(dir, 'out1'), ours.wf, ours.job], dir, 'parsl-cwl, first run (all stored)');
    const second = await timed([BIN, '--cachedir', cache, '--outdir', join(dir, 'out2'), ours.wf, ours.job], dir, 'parsl-cwl, second run (all reused)');
    console.log(`cache_first_s ${first.toFixed(2)}`);
    console.log(`cache_second_s ${second.toFixed(2)}`);
    console.log(`cache_hit_ratio ${(second / first).toFixed(3)}`);
    if (baseline !== undefined) {
      console.log(`nocache_s ${baseline.toFixed(2)}`);
      console.log(`cache_store_overhead ${(first / baseline).toFixed(3)}`);
    }
    const cwltool = values['no-cwltool'] ? undefined : which('cwltool');
    if (cwltool === undefined) {
      process.stderr.write('  cwltool: not run (not installed, or --no-cwltool)\n');
      return;
    }
    const theirs = cwltoolN === n ? ours : workload(dir, cwltoolN);
    const theirCache = join(dir, 'cache-cwltool');
    const cFirst = await timed([cwltool, '--no-container', '--quiet', '--cachedir', theirCache, '--outdir', join(dir, 'c-out1'), theirs.wf, theirs.job], dir, `cwltool, ${cwltoolN}-way, first run`);
    const cSecond = await timed([cwltool, '--no-container', '--quiet', '--cachedir', theirCache, '--outdir', join(dir, 'c-out2'), theirs.wf, theirs.job], dir, `cwltool, ${cwltoolN}-way, second run`);
    console.log(`cwltool_n ${cwltoolN}`);
    console.log(`cwltool_first_s ${cFirst.toFixed(2)}`);
    console.log(`cwltool_second_s ${cSecond.toFixed(2)}`);
    console.log(`cwltool_hit_ratio ${(cSecond / cFirst).toFixed(3)}`);
    // Per instance, so the all-hit runs compare even when the widths differ.
    console.log(`cache_second_vs_cwltool_second ${(second / n / (cSecond / cwltoolN)).toFixed(3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
