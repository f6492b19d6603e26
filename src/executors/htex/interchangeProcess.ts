/**
 * The interchange child process of a HighThroughputExecutor: where it listens for pools, starting
 * it (`parsl-cwl interchange`), watching it, and stopping it. Kept apart from the executor so
 * the executor reads as task bookkeeping; what a failure means (the executor fails) stays there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signalGroup } from '../../process/index.js';
import { ExecutorFailedError } from '../errors.js';

/** The CLI entry the interchange and the pools run as (`parsl-cwl interchange`, `parsl-cwl pool`). */
export const MAIN_SCRIPT = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const SHUTDOWN_GRACE_MS = 2000;

export interface InterchangeStart {
  runDir: string;
  /** The executor's link endpoint the interchange connects to. */
  clientAddress: string;
  /** `tcp://iface:port` URLs the interchange binds for pools. */
  workerBind: string[];
  heartbeatPeriodSec: number;
  heartbeatThresholdSec: number;
  certDir: string | null;
}

export interface InterchangeWatch {
  /** The process could not be started. */
  error(err: Error): void;
  /** The process exited (also when asked to): the executor decides whether that is a failure. */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
}

/** One running interchange: started by `start`, stopped by `stop` (or `kill` when it hangs). */
export class InterchangeProcess {
  private readonly onProcessExit = (): void => {
    // Last resort if the user's process exits without shutdown(): the interchange also watches
    // its stdin and stops its pools when this process is gone.
    if (this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGTERM');
  };

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  static start(opts: InterchangeStart, watch: InterchangeWatch): InterchangeProcess {
    const logFile = join(opts.runDir, 'interchange.log');
    mkdirSync(opts.runDir, { recursive: true });
    const logFd = openSync(logFile, 'a');
    const args = [
      MAIN_SCRIPT,
      'interchange',
      '--client-address',
      opts.clientAddress,
      '--worker-bind',
      opts.workerBind.join(','),
      '--heartbeat-period',
      String(opts.heartbeatPeriodSec),
      '--heartbeat-threshold',
      String(opts.heartbeatThresholdSec),
      ...(opts.certDir ? ['--cert-dir', opts.certDir] : ['--no-encryption']),
    ];
    let child: ChildProcess;
    try {
      // stdin stays an open pipe: the interchange stops when it reads EOF (this process died).
      // Own process group: a terminal's Ctrl-C reaches this process, which shuts down in order.
      child = spawn(process.execPath, args, { stdio: ['pipe', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    const interchange = new InterchangeProcess(child, logFile);
    process.once('exit', interchange.onProcessExit);
    child.stdin?.on('error', () => undefined);
    child.once('error', (err) => watch.error(err));
    child.once('exit', (code, sig) => watch.exit(code, sig));
    return interchange;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** A hung interchange: its whole group at once. */
  kill(): void {
    if (this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGKILL');
  }

  /**
   * Resolves when the process has exited. The caller has sent it the `shutdown` message (the
   * polite way); SIGTERM covers an interchange that missed it, SIGKILL one that ignores that.
   */
  stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      }, SHUTDOWN_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGTERM'), 300).unref();
    });
  }

  /** After stop: no exit hook left behind, and the stdin pipe closed. */
  release(): void {
    process.removeListener('exit', this.onProcessExit);
    this.child.stdin?.destroy();
  }

  /** The log's last lines, for an error message. */
  logTail(): string {
    try {
      const lines = readFileSync(this.logFile, 'utf8').trim().split('\n');
      return lines.slice(-3).join(' | ');
    } catch {
      return '';
    }
  }
}

export interface BindChoice {
  label: string;
  /** `workerBindInterface` from the options (`*` is every interface). */
  bindInterface: string | undefined;
  /** Host names/addresses given to the pools. */
  addresses: string[];
  /** Pools run on this host only (LocalProvider): a loopback-only address is then fine. */
  localPools: boolean;
  log: (line: string) => void;
  warn?: (line: string) => void;
}

/**
 * The interfaces the interchange listens on for pools: `workerBindInterface` when set (`*` is
 * every interface), else the IPv4 addresses of this host that the pool addresses resolve to here,
 * so the port is not open on interfaces no pool was told about. A host name that resolves to
 * loopback only here while pools run elsewhere (Slurm) is warned about: nodes would resolve it
 * to another address, which is not bound.
 */
export async function workerBindAddresses(c: BindChoice): Promise<string[]> {
  if (c.bindInterface !== undefined) return [c.bindInterface];
  const { lookup } = await import('node:dns/promises');
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address)));
  const isLocal = (ip: string): boolean => local.has(ip) || ip.startsWith('127.');
  const bind = new Set<string>();
  for (const address of c.addresses) {
    let ips: string[];
    try {
      ips = isIP(address) === 4 ? [address] : (await lookup(address, { all: true, family: 4 })).map((r) => r.address);
    } catch (err) {
      c.log(`htex: pool address '${address}' does not resolve on this host (${(err as Error).message}); not listening for it`);
      continue;
    }
    const usable = ips.filter(isLocal);
    for (const ip of ips.filter((ip) => !isLocal(ip))) c.log(`htex: pool address '${address}' is ${ip}, not an address of this host; not listening on it`);
    for (const ip of usable) bind.add(ip);
    if (isIP(address) === 0 && usable.length > 0 && usable.every((ip) => ip.startsWith('127.')) && !c.localPools) {
      const warning = `pool address '${address}' is ${usable.join(', ')} (loopback) on this host, so the interchange listens only there; pools on other nodes cannot connect: set address to a name or IP the nodes reach, or worker_bind_interface: '*'`;
      if (c.warn) c.warn(warning);
      else c.log(`htex: WARNING: ${warning}`);
    }
  }
  if (bind.size === 0) {
    throw new ExecutorFailedError(c.label, `none of the pool addresses (${c.addresses.join(', ')}) is an address of this host; set address to this host's name or IP, or worker_bind_interface (e.g. '*')`);
  }
  return [...bind];
}

/** A TCP port free on `iface` now (the interchange binds it a moment later). */
export function freePort(iface: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, iface === '*' ? undefined : iface, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
