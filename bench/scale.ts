/**
 * Scale simulation (issue 16, docs/scale.md): one real interchange (CurveZMQ on) and 2,048
 * simulated pools of 32 workers each (65,536 worker slots) speaking the real pool protocol over
 * loopback from a few processes, driven by a DataFlowKernel submitting no-op tasks.
 *
 *   npm run bench:scale [-- --pools 2048 --processes 4 --workers 32 --tasks 300000 --delay 0
 *                           --prefetch 0 --heartbeat-period 5 --heartbeat-threshold 30 --no-encryption
 *                           --profile DIR]
 *
 * `--profile DIR` writes a CPU profile of the interchange, DIR/interchange-<pid>.cpuprofile.
 *
 * Prints one `key value` line per figure. The machine's 2 cores are shared by the simulators, the
 * kernel and the interchange: `scale_interchange_cpu_pct` (of one core) shows whether the
 * interchange or its neighbours set the rate.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { runScaleSimulation } from './scale/harness.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const pools = arg('pools', 2048);
function profileDir(): string | undefined {
  const i = process.argv.indexOf('--profile');
  const dir = i > 0 ? process.argv[i + 1] : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  return dir ? resolve(dir) : undefined;
}
const r = await runScaleSimulation({
  pools,
  processes: arg('processes', 4),
  workersPerPool: arg('workers', 32),
  prefetch: arg('prefetch', 0),
  tasks: arg('tasks', 300_000),
  delayMs: arg('delay', 0),
  heartbeatPeriodSec: arg('heartbeat-period', 5),
  heartbeatThresholdSec: arg('heartbeat-threshold', 30),
  encrypted: !process.argv.includes('--no-encryption'),
  profileDir: profileDir(),
  log: (line) => console.log(line),
});

const line = (k: string, v: number, note = ''): void => {
  const text = Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 0);
  console.log(`${k} ${text}${note ? `${' '.repeat(Math.max(1, 12 - text.length))}# ${note}` : ''}`);
};
console.log(`# ${r.pools} simulated pools x ${r.workerSlots / r.pools} workers, ${arg('processes', 4)} simulator processes, ${process.argv.includes('--no-encryption') ? 'UNENCRYPTED' : 'CurveZMQ on'}, through a DataFlowKernel (node ${process.version})`);
line('scale_pools', r.pools);
line('scale_worker_slots', r.workerSlots);
line('scale_register_s', r.registerS, 'target <= 30');
line('scale_interchange_register_cpu_s', r.interchangeRegisterCpuS, 'interchange CPU while the pools registered');
line('scale_interchange_register_main_cpu_s', r.interchangeRegisterThreads.main, 'of which its JavaScript thread');
line('scale_interchange_register_zmq_cpu_s', r.interchangeRegisterThreads.zmq, 'of which libzmq I/O (CurveZMQ handshakes, TCP)');
line('scale_kernel_register_cpu_s', r.kernelRegisterCpuS, 'kernel + executor client, same phase');
line('scale_simulator_register_cpu_s', r.simulatorRegisterCpuS, 'all simulated pools, same phase');
const registerCpu = r.interchangeRegisterCpuS + r.kernelRegisterCpuS + r.simulatorRegisterCpuS;
line('scale_register_cores_used', registerCpu / r.registerS, 'CPU of the three parts / wall time: the cores this bench got (the machine has 2)');
line('scale_tasks', r.tasks);
line('scale_tasks_done', r.tasksDone);
line('scale_tasks_per_s', r.tasksPerS, 'target >= 20,000');
line('scale_interchange_cpu_s', r.interchangeCpuS, 'over the task phase');
line('scale_interchange_main_cpu_s', r.interchangeThreads.main, 'of which its JavaScript thread');
line('scale_interchange_zmq_cpu_s', r.interchangeThreads.zmq, 'of which libzmq I/O (CurveZMQ, TCP)');
line('scale_interchange_cpu_pct', r.interchangeCpuPct, '% of one core over the task phase');
line('scale_kernel_cpu_s', r.kernelCpuS, 'kernel + executor client, same phase');
line('scale_simulator_cpu_s', r.simulatorCpuS, 'all simulated pools, same phase');
const taskCpu = r.interchangeCpuS + r.kernelCpuS + r.simulatorCpuS;
line('scale_cores_used', taskCpu / r.tasksS, 'CPU of the three parts / wall time over the task phase');
line('scale_task_cpu_us', (1e6 * taskCpu) / r.tasks, 'CPU per task, interchange + kernel + simulators');
line('scale_interchange_task_cpu_us', (1e6 * r.interchangeCpuS) / r.tasks, 'CPU per task in the interchange');
line('scale_interchange_rss_mb', r.interchangeRssMb, 'peak; target <= 1,024');
line('scale_kernel_rss_mb', r.peakKernelRssMb, 'peak');
line('scale_late_heartbeats', r.lateHeartbeats, 'interchange heartbeats a pool got later than 2 periods');
line('scale_max_silence_ms', r.maxSilenceMs, 'longest a pool heard nothing from the interchange');
line('scale_max_heartbeat_ago_ms', r.maxHeartbeatAgoMs, 'stalest pool in the interchange status reports');
line('scale_pools_lost', r.poolsLost, 'target 0');
if (profileDir()) console.log(`# interchange CPU profile written to ${profileDir()} (open it in Chrome DevTools, Performance)`);
for (const l of r.simulatorLogs.slice(0, 10)) console.log(`# simulator: ${l}`);
const ok = r.tasksDone === r.tasks && r.tasksPerS >= 20_000 && r.registerS <= 30 && r.interchangeRssMb <= 1024 && r.poolsLost === 0;
console.log(ok ? 'targets met' : 'TARGETS MISSED');
process.exitCode = ok ? 0 : 1;
