/**
 * Scatter benchmark (issue 5): a Workflow scattering an `echo` tool over N strings, run by parsl-cwl
 * (the installed command, bin/parsl-cwl) and by `cwltool --no-container` (when installed) in the
 * same run; prints both times and the ratio. Also the floor of this machine in the same run: the N
 * echo commands alone, started by the native spawner (spawnFloor.ts), and the best ratio it allows.
 * Then a 20,000-way scatter by parsl-cwl alone, with its wall time and peak RSS. Finally the engine's
 * own overhead: the same workflows in-process with a submitter that returns at once (no processes),
 * which is what scatter expansion, input binding, job specs and kernel tasks cost.
 *
 * The headline is `scatter_floor_ratio N`: parsl-cwl's 2,000-way time over the floor measured in
 * the same run (the mean of one floor run just before and one just after), with `scatter_s`,
 * `floor_s`, `floor_before_s`, `floor_after_s` as `key value` lines beside it (with `--repeat k`: the
 * round with the median ratio, and every round's ratio in `scatter_floor_ratios`).
 *
 *   npm run bench:scatter [-- --n 2000 --big 20000 --no-cwltool --engine-only --repeat 1 --record on|off|both]
 *
 * `--record` (default on, as users run it): the run record (docs/run-record.md) on, off
 * (`--no-record`), or `both`: each round runs the 2,000-way scatter with the record on and off, in
 * alternating order, and prints `record_on_s`, `record_off_s`, their CPU per instance and
 * `record_overhead_pct` (the median of the rounds' (on - off) / off), instead of the floor rounds.
 *
 * Peak RSS and the runner's own CPU time (user + system of the Node process; the launch spawner and
 * the tools it starts are not its children) are read with /usr/bin/time (GNU time) when it exists. On a shared machine the CPU time per
 * instance moves less than the wall time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataFlowKernel } from '../src/dataflow/kernel.js';
import { loadProcess } from '../src/cwl/load/index.js';
import { prepareInputs } from '../src/cwl/inputs/index.js';
import type { Workflow } from '../src/cwl/model.js';
import { defaultWorkflowServices, runWorkflow, type WorkflowServices } from '../src/cwl/workflow/index.js';
import { spawnFloor, type Floor } from './spawnFloor.js';
import { BIN, ECHO_TOOL, ECHO_SCATTER_WF } from './documents.js';

interface Timed {
  seconds: number;
  exitCode: number;
  peakRssMb?: number;
  /** User + system CPU seconds of the measured process itself (GNU time). */
  cpuSeconds?: number;
  outputs?: number;
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Run `argv` with stdout to a file; wall time measured here, peak RSS by GNU time if present. */
function timeRun(argv: string[], cwd: string, label: string, env?: NodeJS.ProcessEnv): Promise<Timed> {
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const rssFile = join(cwd, `${label}.rss`);
  const full = gnuTime ? [gnuTime, '-f', '%M %U %S', '-o', rssFile, ...argv] : argv;
  const outFile = join(cwd, `${label}.out.json`);
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0]!, full.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const stdout = Buffer.concat(chunks).toString();
      writeFileSync(outFile, stdout);
      const result: Timed = { seconds, exitCode: code ?? 1 };
      if (gnuTime && existsSync(rssFile)) {
        const [kb, user, sys] = (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
        if (kb !== undefined && Number.isFinite(kb)) result.peakRssMb = kb / 1024;
        if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) result.cpuSeconds = user + sys;
      }
      try {
        const parsed = JSON.parse(stdout) as { outs?: unknown[] };
        result.outputs = parsed.outs?.length;
      } catch {
        // reported below as a failed run
      }
      if (code !== 0) process.stderr.write(`${label} exited with ${code}; stderr ends with:\n${stderr}\n`);
      resolvePromise(result);
    });
  });
}

function makeCase(dir: string, n: number): { wf: string; job: string } {
  writeFileSync(join(dir, 'echo.cwl'), ECHO_TOOL);
  writeFileSync(join(dir, 'scatter.cwl'), ECHO_SCATTER_WF);
  const messages = Array.from({ length: n }, (_, i) => `message-${i}`);
  writeFileSync(join(dir, `job-${n}.json`), JSON.stringify({ messages }));
  return { wf: join(dir, 'scatter.cwl'), job: join(dir, `job-${n}.json`) };
}

function fmt(t: Timed, instances?: number): string {
  const rss = t.peakRssMb !== undefined ? `, peak RSS ${t.peakRssMb.toFixed(0)} MB` : '';
  const cpu = t.cpuSeconds !== undefined && instances ? `, own CPU ${((t.cpuSeconds * 1000) / instances).toFixed(2)} ms per instance` : '';
  const ok = t.exitCode === 0 ? `${t.outputs ?? '?'} outputs` : `FAILED (exit ${t.exitCode})`;
  return `${t.seconds.toFixed(2)} s${rss}${cpu} (${ok})`;
}

/** The engine alone: every tool job "finishes" at once with a File output, no process is started. */
async function engineOverhead(wfPath: string, sizes: number[], dir: string): Promise<void> {
  const wf = (await loadProcess(wfPath)) as Workflow;
  const dfk = await DataFlowKernel.load({ runDir: join(dir, 'runinfo-engine') });
  try {
    const services: WorkflowServices = {
      ...defaultWorkflowServices(dfk),
      submitToolJob: (job) => Promise.resolve({ outputs: { out: { class: 'File', location: `file://${job.paths.jobDir}/out.txt` } }, exitCode: 0, outdir: job.paths.jobDir }),
    };
    for (const n of sizes) {
      const inputs = await prepareInputs(wf, { messages: Array.from({ length: n }, (_, i) => `message-${i}`) });
      const t0 = process.hrtime.bigint();
      const out = await runWorkflow(wf, inputs, { services, jobsDir: join(dir, 'jobs-engine') });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const count = (out.outs as unknown[]).length;
      console.log(`  engine alone, ${n}-way: ${ms.toFixed(0)} ms (${((ms * 1000) / n).toFixed(0)} us per instance, ${count} outputs)`);
    }
  } finally {
    await dfk.shutdown();
  }
}

/**
 * The run record's cost: each round runs the scatter with the record on and off, the order
 * alternating between rounds (the machine's load drifts within seconds), and the overhead is the
 * median of the rounds' relative differences, for wall time and for the runner's own CPU.
 */
async function recordOnOff(n: number, rounds: number, c: { wf: string; job: string }, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const on: Timed[] = [];
  const off: Timed[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const record of round % 2 === 0 ? [true, false] : [false, true]) {
      const t = await timeRun([BIN, '--quiet', ...(record ? [] : ['--no-record']), '--outdir', join(dir, `out-${record ? 'on' : 'off'}-${round}`), c.wf, c.job], dir, `record-${record ? 'on' : 'off'}`, env);
      if (t.exitCode !== 0) throw new Error(`the ${n}-way scatter failed with the record ${record ? 'on' : 'off'}`);
      (record ? on : off).push(t);
      console.log(`  round ${round + 1}, record ${record ? 'on ' : 'off'}: ${fmt(t, n)}`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const pct = (a: number[], b: number[]): number => median(a.map((x, i) => ((x - b[i]!) / b[i]!) * 100));
  console.log(`record_on_s ${median(on.map((t) => t.seconds)).toFixed(2)}`);
  console.log(`record_off_s ${median(off.map((t) => t.seconds)).toFixed(2)}`);
  console.log(`record_overhead_pct ${pct(on.map((t) => t.seconds), off.map((t) => t.seconds)).toFixed(1)}`);
  console.log(`record_overhead_pcts ${on.map((t, i) => (((t.seconds - off[i]!.seconds) / off[i]!.seconds) * 100).toFixed(1)).join(',')}`);
  if (on.every((t) => t.cpuSeconds !== undefined) && off.every((t) => t.cpuSeconds !== undefined)) {
    console.log(`record_on_cpu_ms_per_instance ${((median(on.map((t) => t.cpuSeconds!)) * 1000) / n).toFixed(2)}`);
    console.log(`record_off_cpu_ms_per_instance ${((median(off.map((t) => t.cpuSeconds!)) * 1000) / n).toFixed(2)}`);
    console.log(`record_cpu_overhead_pct ${pct(on.map((t) => t.cpuSeconds!), off.map((t) => t.cpuSeconds!)).toFixed(1)}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '2000' },
      big: { type: 'string', default: '20000' },
      'no-cwltool': { type: 'boolean', default: false },
      'engine-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      record: { type: 'string', default: 'on' },
    },
  });
  if (!['on', 'off', 'both'].includes(values.record)) throw new Error(`--record must be on, off or both, not ${values.record}`);
  const n = Number(values.n);
  const big = Number(values.big);
  const repeat = Math.max(1, Number(values.repeat));
  const dir = mkdtempSync(join(tmpdir(), 'pcwl-bench-scatter-'));
  try {
    const small = makeCase(dir, n);
    if (values['engine-only']) {
      await engineOverhead(small.wf, [n, ...(big > 0 ? [big] : [])], dir);
      return;
    }
    console.log(`scatter benchmark: a Workflow scattering echo over ${n} strings (${dir})`);
    // Run records go to the benchmark's folder, not the user's state folder.
    const env = { ...process.env, XDG_STATE_HOME: join(dir, 'state') };
    const recordFlag = values.record === 'off' ? ['--no-record'] : [];
    if (values.record === 'both') {
      await recordOnOff(n, repeat, small, dir, env);
      return;
    }
    // The floor is measured just before and just after each parsl-cwl run, and the ratio taken
    // against their mean: on a shared machine the load moves within seconds. `--repeat k` does
    // this k times and the headline is the median ratio.
    const rounds: Array<{ ours: Timed; floor: Floor; before: Floor; after: Floor; ratio: number }> = [];
    for (let round = 0; round < repeat; round++) {
      const before = await spawnFloor(n, mkdtempSync(join(dir, 'floor-')));
      const run = await timeRun([BIN, '--quiet', ...recordFlag, '--outdir', join(dir, `out-pcwl-${round}`), small.wf, small.job], dir, 'parsl-cwl', env);
      const after = await spawnFloor(n, mkdtempSync(join(dir, 'floor-')));
      const mean = { inFlight: before.inFlight, seconds: (before.seconds + after.seconds) / 2 };
      rounds.push({ ours: run, floor: mean, before, after, ratio: run.exitCode === 0 ? run.seconds / mean.seconds : Number.NaN });
      console.log(`  parsl-cwl:                ${fmt(run, n)}`);
      console.log(`  floor: the ${n} echo commands alone, started by pcwl-spawner ${mean.inFlight} at a time, no CWL work: ${mean.seconds.toFixed(2)} s (${before.seconds.toFixed(2)} s just before the parsl-cwl run, ${after.seconds.toFixed(2)} s just after)`);
    }
    rounds.sort((a, b) => a.ratio - b.ratio);
    const median = rounds[Math.floor((rounds.length - 1) / 2)]!;
    const ours = median.ours;
    const floor = median.floor;
    // Headline figures, one `key value` line each (issue 13: the 2,000-way scatter against the floor).
    console.log(`scatter_floor_ratio ${Number.isNaN(median.ratio) ? 'failed' : median.ratio.toFixed(2)}`);
    console.log(`scatter_s ${ours.seconds.toFixed(2)}`);
    console.log(`floor_s ${floor.seconds.toFixed(2)}`);
    console.log(`floor_before_s ${median.before.seconds.toFixed(2)}`);
    console.log(`floor_after_s ${median.after.seconds.toFixed(2)}`);
    if (ours.cpuSeconds !== undefined) console.log(`scatter_cpu_ms_per_instance ${((ours.cpuSeconds * 1000) / n).toFixed(2)}`);
    if (repeat > 1) console.log(`scatter_floor_ratios ${rounds.map((r) => r.ratio.toFixed(2)).join(',')}`);
    const cwltool = values['no-cwltool'] ? undefined : which('cwltool');
    if (cwltool) {
      const theirs = await timeRun([cwltool, '--no-container', '--quiet', '--outdir', join(dir, 'out-cwltool'), small.wf, small.job], dir, 'cwltool');
      console.log(`  cwltool --no-container:   ${fmt(theirs, n)}`);
      if (ours.exitCode === 0 && theirs.exitCode === 0) {
        console.log(`  ratio: parsl-cwl is ${(theirs.seconds / ours.seconds).toFixed(1)}x faster`);
        console.log(`  best ratio this machine allows in this run (cwltool / floor): ${(theirs.seconds / floor.seconds).toFixed(1)}x; parsl-cwl's time is ${(ours.seconds / floor.seconds).toFixed(2)}x the floor`);
      }
    } else {
      console.log('  cwltool: not run (not installed, or --no-cwltool); install with `apt-get install -y cwltool`');
    }
    if (big > 0) {
      const large = makeCase(dir, big);
      const t = await timeRun([BIN, '--quiet', ...recordFlag, '--outdir', join(dir, 'out-big'), large.wf, large.job], dir, 'parsl-cwl-big', env);
      console.log(`  parsl-cwl, ${big}-way scatter: ${fmt(t, big)}`);
    }
    await engineOverhead(small.wf, [n, ...(big > 0 ? [big] : [])], dir);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
