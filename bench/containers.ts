/**
 * Container benchmark (issue 14), everything measured in the same run:
 *
 * (a) One containerised tool step: `parsl-cwl --podman tool.cwl` (the installed command; the tool is
 *     `echo hi` in docker.io/library/debian:stable-slim) against the bare `podman run --rm --network
 *     none IMAGE echo hi` (no network, as parsl-cwl runs a tool without NetworkAccess; the bare run
 *     with podman's default network is printed too), interleaved, median of N. Also `parsl-cwl --no-container` on the same tool (the runner's
 *     own start-up and work, no container) and `podman image inspect` (the image check ensureImage
 *     makes once per process). Figures:
 *       step_overhead_ms       = parsl-cwl --podman − bare podman run (includes the runner's start-up)
 *       container_overhead_ms  = (parsl-cwl --podman − parsl-cwl --no-container) − bare podman run:
 *                                what running the step in a container costs beyond podman's own run
 *                                (target ≤ 50 ms), from the medians; `_paired` takes it per round
 *                                and gives the median and interquartile range of those: when half
 *                                the IQR is above 50 ms, the run cannot resolve the target and says so
 *     The same with Docker when dockerd answers (`--engines podman,docker`).
 * (b) A 200-way scatter of that containerised `echo` by parsl-cwl, against the floor: the same 200
 *     `podman run --rm --network none IMAGE echo message-i` started through src/process with as many at once as the
 *     local executor runs tool jobs (2 × cores), measured just before and just after; and
 *     `cwltool --podman` when it can run here (it is tried on the single tool first, with a time
 *     limit; why it fails is printed).
 *
 *   npm run bench:containers [-- --n 15 --scatter 200 --engines podman,docker --cwltool-timeout 60]
 *
 * Prints one `key value` line per figure. Needs the images of test/containers/build-images.sh.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runProcess } from '../src/process/index.js';
import { BIN, ECHO_SCATTER_WF, echoTool } from './documents.js';

const IMAGE = 'docker.io/library/debian:stable-slim';

// A hint, so `--no-container` runs the same document on the host.
const TOOL = `cwlVersion: v1.2
class: CommandLineTool
hints:
  DockerRequirement: {dockerPull: ${IMAGE}}
baseCommand: [echo, hi]
inputs: []
outputs: []
`;

const ECHO = echoTool(`{DockerRequirement: {dockerPull: ${IMAGE}}}`);

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

interface Run {
  seconds: number;
  code: number | null;
  stderrTail: string;
}

/** Wall time of one run; stdout discarded, the end of stderr kept; killed after `timeoutMs`. */
function timeRun(argv: string[], cwd: string, timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, code, stderrTail: stderr });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const ms = (s: number) => (s * 1000).toFixed(0);

/** The last line of a program's stderr that says something, without colour codes. */
function lastLine(text: string): string {
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^Error:/.test(l)) ?? lines.find((l) => /ERROR/.test(l)) ?? lines[lines.length - 1] ?? '(nothing on stderr)';
}

async function oneStep(engine: string, exe: string, n: number, dir: string): Promise<void> {
  const tool = join(dir, 'tool.cwl');
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const series: Record<string, string[]> = {
    // parsl-cwl runs a tool without network unless NetworkAccess allows it (--network none), which
    // saves the engine its network set-up: the like-for-like floor. The default network is shown too.
    bare: [exe, 'run', '--rm', '--network', 'none', IMAGE, 'echo', 'hi'],
    bareNet: [exe, 'run', '--rm', IMAGE, 'echo', 'hi'],
    ours: [BIN, '--quiet', `--${engine}`, '--outdir', out, tool],
    host: [BIN, '--quiet', '--no-container', '--outdir', out, tool],
    inspect: [exe, 'image', 'inspect', '--format', '{{.Id}}', IMAGE],
  };
  // One warm-up run of each: caches (documents, code, the engine's storage) as later runs find them.
  for (const argv of Object.values(series)) {
    const r = await timeRun(argv, dir);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}): ${lastLine(r.stderrTail)}`);
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(series).map((k) => [k, []]));
  // Interleaved, so a change of the machine's load hits every series alike.
  for (let i = 0; i < n; i++) {
    for (const [key, argv] of Object.entries(series)) {
      const r = await timeRun(argv, dir);
      if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}): ${lastLine(r.stderrTail)}`);
      times[key]!.push(r.seconds);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  console.log(`# (a) one step, ${engine}, ${n} interleaved runs each, medians`);
  console.log(`${engine}_run_bare_ms ${ms(m.bare!)}`);
  console.log(`${engine}_run_bare_default_network_ms ${ms(m.bareNet!)}`);
  console.log(`${engine}_parsl_cwl_ms ${ms(m.ours!)}`);
  console.log(`${engine}_parsl_cwl_no_container_ms ${ms(m.host!)}`);
  console.log(`${engine}_image_inspect_ms ${ms(m.inspect!)}`);
  console.log(`${engine}_step_overhead_ms ${ms(m.ours! - m.bare!)}`);
  const overhead = m.ours! - m.host! - m.bare!;
  console.log(`${engine}_container_overhead_ms ${ms(overhead)}`);
  // Paired by round (the four runs of a round are seconds apart), which cancels slower drifts of
  // the machine's load; the spread of the per-round figures says what this run can resolve.
  const paired = times.ours!.map((t, i) => t - times.host![i]! - times.bare![i]!);
  const sorted = [...paired].sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
  const pairedMedian = median(paired);
  const iqr = q(0.75) - q(0.25);
  console.log(`${engine}_container_overhead_paired_ms ${ms(pairedMedian)}`);
  console.log(`${engine}_container_overhead_paired_iqr_ms ${ms(iqr)}`);
  const verdict = iqr / 2 > 0.05 ? `not resolved: the per-round spread (IQR ${ms(iqr)} ms) is wider than the target` : pairedMedian <= 0.05 ? 'met' : 'NOT met';
  console.log(`# target container overhead ≤ 50 ms (paired median): ${verdict}`);
}

/** n `podman run --rm --network none IMAGE echo message-i`, `inFlight` at a time, through src/process. */
async function podmanFloor(exe: string, n: number, inFlight: number, dir: string): Promise<number> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const o = join(dir, `floor-${i}.out`);
      const outcome = await runProcess({ argv: [exe, 'run', '--rm', '--network', 'none', IMAGE, 'echo', `message-${i}`], cwd: dir, env, stdout: o, stderr: o });
      if (outcome.exitCode !== 0) throw new Error(`podman run failed (exit ${outcome.exitCode}): ${readFileSync(o, 'utf8').trim()}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function scatter(exe: string, n: number, dir: string, cwltoolTimeoutS: number, noCwltool: boolean): Promise<void> {
  writeFileSync(join(dir, 'echo.cwl'), ECHO);
  writeFileSync(join(dir, 'scatter.cwl'), ECHO_SCATTER_WF);
  writeFileSync(join(dir, 'job.json'), JSON.stringify({ messages: Array.from({ length: n }, (_, i) => `message-${i}`) }));
  const inFlight = 2 * cpus().length;
  console.log(`# (b) ${n}-way scatter of a containerised echo (podman), ${inFlight} at a time`);
  const before = await podmanFloor(exe, n, inFlight, mkdtempSync(join(dir, 'floor-')));
  const ours = await timeRun([BIN, '--quiet', '--podman', '--outdir', join(dir, 'out-pcwl'), join(dir, 'scatter.cwl'), join(dir, 'job.json')], dir);
  const after = await podmanFloor(exe, n, inFlight, mkdtempSync(join(dir, 'floor-')));
  if (ours.code !== 0) throw new Error(`parsl-cwl scatter failed (exit ${ours.code}): ${lastLine(ours.stderrTail)}`);
  const floor = (before + after) / 2;
  console.log(`scatter_parsl_cwl_s ${ours.seconds.toFixed(2)}`);
  console.log(`scatter_podman_floor_s ${floor.toFixed(2)}`);
  console.log(`scatter_podman_floor_before_s ${before.toFixed(2)}`);
  console.log(`scatter_podman_floor_after_s ${after.toFixed(2)}`);
  console.log(`scatter_floor_ratio ${(ours.seconds / floor).toFixed(2)}`);
  console.log(`scatter_overhead_per_instance_ms ${(((ours.seconds - floor) * 1000) / n).toFixed(1)}`);

  const cwltool = noCwltool ? undefined : which('cwltool');
  if (cwltool === undefined) {
    console.log('# cwltool: not measured (not installed, or --no-cwltool)');
    return;
  }
  // cwltool on the single tool first: when that cannot run, neither can the scatter.
  writeFileSync(join(dir, 'tool.cwl'), TOOL);
  const single = await timeRun([cwltool, '--podman', '--outdir', join(dir, 'out-cwltool-1'), join(dir, 'tool.cwl')], dir, cwltoolTimeoutS * 1000);
  if (single.code !== 0) {
    const why = single.code === null ? `no answer within ${cwltoolTimeoutS} s (killed); before that: ${lastLine(single.stderrTail)}` : `exit ${single.code}: ${lastLine(single.stderrTail)}`;
    console.log(`# cwltool --podman cannot run the single tool here (${single.seconds.toFixed(1)} s): ${why}`);
    console.log('cwltool_podman_single failed');
    console.log('# the scatter is compared with the bare podman floor above instead');
    return;
  }
  const theirs = await timeRun([cwltool, '--podman', '--parallel', '--quiet', '--outdir', join(dir, 'out-cwltool'), join(dir, 'scatter.cwl'), join(dir, 'job.json')], dir, cwltoolTimeoutS * 1000 * 20);
  if (theirs.code !== 0) {
    console.log(`# cwltool --podman --parallel scatter failed (exit ${theirs.code}): ${lastLine(theirs.stderrTail)}`);
    return;
  }
  console.log(`scatter_cwltool_podman_s ${theirs.seconds.toFixed(2)}`);
  console.log(`scatter_cwltool_ratio ${(theirs.seconds / ours.seconds).toFixed(2)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '15' },
      scatter: { type: 'string', default: '200' },
      engines: { type: 'string' },
      'cwltool-timeout': { type: 'string', default: '60' },
      'no-cwltool': { type: 'boolean', default: false },
    },
  });
  const podman = which('podman');
  if (podman === undefined) throw new Error('podman is not installed (docs/containers.md)');
  const docker = which('docker');
  let engines = values.engines?.split(',');
  if (engines === undefined) {
    engines = ['podman'];
    try {
      if (docker !== undefined) execFileSync(docker, ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 30_000 });
      if (docker !== undefined) engines.push('docker');
    } catch {
      console.log('# docker: not measured (dockerd does not answer or lacks the image)');
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pcwl-bench-containers-'));
  try {
    console.log(`# container benchmark, ${new Date().toISOString()}, ${cpus().length} cores, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    writeFileSync(join(dir, 'tool.cwl'), TOOL);
    for (const engine of engines) await oneStep(engine, engine === 'podman' ? podman : docker!, Number(values.n), dir);
    const n = Number(values.scatter);
    if (n > 0) await scatter(podman, n, dir, Number(values['cwltool-timeout']), values['no-cwltool']);
    console.log(`# load at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
