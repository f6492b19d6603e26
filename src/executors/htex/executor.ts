/**
 * HighThroughputExecutor: the executor client in the user's process (docs/architecture.md,
 * "Processes at run time"). It creates the run's CurveZMQ certificates, binds the link to the interchange,
 * starts the interchange process, asks the provider for blocks running `parsl-cwl pool`, and turns
 * TaskEnvelopes into batched wire tasks and result batches back into settled promises.
 *
 * Fail fast: an interchange that exits, never reports ready, or stops heartbeating moves the
 * executor to FAILED and rejects every pending and later task with InterchangeFailed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer, isIP } from 'node:net';
import { hostname, availableParallelism, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Zmq from 'zeromq';
import { errorFromJson, type ParslCwlError } from '../../errors.js';
import type { BlockStatus, ExecutionProvider } from '../../providers/provider.js';
import { ExecutorFailedError, ExecutorStateError } from '../errors.js';
import { BlockScaler } from '../strategy/blockScaler.js';
import type { BlockView, Executor, ExecutorStartContext, ExecutorState, ScalingHooks, TaskEnvelope, TaskOutcome } from '../executor.js';
import { createCertificates, loadServerKeys } from './certificates.js';
import { InterchangeFailedError } from './errors.js';
import { HTEX_DEFAULTS, type HtexOptions } from './options.js';
import { decodeFromInterchange, encode, type CommandReply, type CommandRequest, type ManagerInfo, type ToInterchange, type WireResult, type WireTask } from './protocol.js';
import { SocketWriter } from './socketWriter.js';
import { startZapAuthenticator, type ZapAuthenticator } from './zapAuthenticator.js';
import { signalGroup } from '../../process/index.js';
import { LocalProvider } from '../../providers/local.js';

const MAIN_SCRIPT = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
/** Tasks per wire message at most; larger submissions go out as several batches. */
const MAX_BATCH = 2000;
const SHUTDOWN_GRACE_MS = 2000;
/** Scale-in waits this long at most for tasks already on a held block before cancelling it. */
const SCALE_IN_DRAIN_MS = 60_000;

interface PendingTask {
  envelope: TaskEnvelope;
  resolve: (o: TaskOutcome) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
}

interface BlockRecord {
  blockId: string;
  jobId: string;
  draining: boolean;
}

/**
 * The HighThroughputExecutor: interchange and worker pools over ZeroMQ (docs/htex-protocol.md).
 * @experimental May change before 1.0.
 */
export class HighThroughputExecutor implements Executor {
  readonly label: string;
  readonly provider: ExecutionProvider;
  readonly workersPerPool: number;
  readonly prefetchCapacity: number;
  readonly encrypted: boolean;
  readonly scaling: ScalingHooks;
  private readonly options: HtexOptions;
  private _state: ExecutorState = 'INITIALIZED';
  private failure: ParslCwlError | undefined;
  private ctx!: ExecutorStartContext;
  private zmq!: typeof Zmq;
  private socket: Zmq.Dealer | undefined;
  private writer: SocketWriter | undefined;
  private zap: ZapAuthenticator | undefined;
  private interchange: ChildProcess | undefined;
  private interchangeLog = '';
  private certDir: string | null = null;
  private workerPort = 0;
  private nextId = 1;
  private readonly pending = new Map<number, PendingTask>();
  /** Weak: a signal used for one task only is collected with its task. */
  private readonly abortWatch = new WeakMap<AbortSignal, Set<number>>();
  private outgoing: WireTask[] = [];
  /** Wire ids of aborted tasks already sent to the interchange: flushed as one `cancel` message. */
  private cancelling: number[] = [];
  private flushScheduled = false;
  private lastHeardMs = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private nextRequestId = 1;
  private readonly commands = new Map<number, { resolve: (r: CommandReply) => void; reject: (e: unknown) => void }>();
  private readonly blockRecords = new Map<string, BlockRecord>();
  private nextBlockId = 0;
  private managerSnapshot: ManagerInfo[] = [];
  private snapshotAtMs = 0;
  private shutdownPromise: Promise<void> | undefined;
  /** Block scaling (src/executors/strategy); stopped before shutdown cancels the blocks. */
  private scaler: BlockScaler | undefined;
  private readyWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private readonly onProcessExit = (): void => {
    // Last resort if the user's process exits without shutdown(): the interchange also watches
    // its stdin and stops its pools when this process is gone.
    if (this.interchange?.pid !== undefined) signalGroup(this.interchange.pid, 'SIGTERM');
  };

  constructor(options: HtexOptions) {
    this.options = options;
    this.label = options.label ?? HTEX_DEFAULTS.label;
    this.provider = options.provider;
    this.workersPerPool = options.workersPerPool ?? availableParallelism();
    this.prefetchCapacity = options.prefetchCapacity ?? HTEX_DEFAULTS.prefetchCapacity;
    this.encrypted = options.encrypted ?? HTEX_DEFAULTS.encrypted;
    if (!Number.isInteger(this.workersPerPool) || this.workersPerPool < 1) {
      throw new ExecutorFailedError(this.label, `workersPerPool must be a positive integer, got ${String(options.workersPerPool)}`);
    }
    this.scaling = {
      provider: this.provider,
      workersPerBlock: this.workersPerPool * this.provider.nodesPerBlock,
      connectedBlocks: () => [...this.blockRecords.keys()],
      blocks: () => this.blockViews(),
      scaleOut: (n) => this.scaleOut(n),
      scaleIn: (n, ids) => this.scaleIn(n, ids),
      blockTerminated: (blockId, status) => this.blockTerminated(blockId, status),
    };
  }

  get state(): ExecutorState {
    return this._state;
  }

  private get heartbeatPeriodMs(): number {
    return (this.options.heartbeatPeriodSec ?? HTEX_DEFAULTS.heartbeatPeriodSec) * 1000;
  }

  private get heartbeatThresholdMs(): number {
    return (this.options.heartbeatThresholdSec ?? HTEX_DEFAULTS.heartbeatThresholdSec) * 1000;
  }

  async start(ctx: ExecutorStartContext): Promise<void> {
    if (this._state !== 'INITIALIZED') throw new ExecutorStateError(this.label, this._state, 'start');
    this.ctx = ctx;
    try {
      const { ready } = await this.startInterchange();
      this._state = 'RUNNING';
      // The first pools start while the interchange does (its port is known already): they retry
      // until it listens. Both must succeed; allSettled so no submission is left running unseen.
      const init = this.provider.initBlocks;
      const [readied, submitted] = await Promise.allSettled([ready, init > 0 ? this.scaleOut(init) : Promise.resolve([])]);
      if (readied.status === 'rejected') throw readied.reason;
      if (submitted.status === 'rejected') throw submitted.reason;
      if (this.options.strategy !== false) {
        this.scaler = new BlockScaler(this, { ...this.options.strategy, log: ctx.log, onFailure: (err) => this.fail(err) });
        this.scaler.start();
      }
    } catch (err) {
      this._state = 'FAILED';
      this.failure = err as ParslCwlError;
      await this.teardown();
      throw err;
    }
  }

  /**
   * Spawn the interchange; resolves once spawned with `ready`, which settles when it reports ready
   * (wrapped in an object: an async function returning a bare promise would wait for it).
   */
  private async startInterchange(): Promise<{ ready: Promise<void> }> {
    const { runDir, log } = this.ctx;
    this.zmq = await import('zeromq');
    let curve = {};
    if (this.encrypted) {
      this.certDir = await createCertificates(runDir);
      const keys = await loadServerKeys(this.certDir);
      this.zap = await startZapAuthenticator(this.zmq, keys.clientPublicKey, (l) => log(`htex: ${l}`));
      curve = { curveServer: true, curveSecretKey: keys.server.secretKey, curvePublicKey: keys.server.publicKey, zapDomain: 'parsl-cwl' };
    } else {
      const warning = 'encryption is off (encrypted: false): tasks and results cross the network between the interchange and its pools in plain text; remove encrypted: false from the config to turn it back on';
      if (this.ctx.warn) this.ctx.warn(warning);
      else log(`htex: WARNING: ${warning}`);
    }
    this.socket = new this.zmq.Dealer({ linger: 0, ...curve });
    await this.socket.bind('tcp://127.0.0.1:*');
    this.writer = new SocketWriter(this.socket, (err) => log(`htex: send to the interchange failed: ${String(err)}`));
    const ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    void this.receiveLoop();

    this.interchangeLog = join(runDir, 'interchange.log');
    mkdirSync(runDir, { recursive: true });
    const logFd = openSync(this.interchangeLog, 'a');
    const ifaces = await this.workerBindAddresses();
    // Choosing the port here (not `*` in the interchange) lets pools start before it is ready.
    this.workerPort = this.options.workerPort || (await freePort(ifaces.length === 1 ? ifaces[0]! : '*'));
    const args = [
      MAIN_SCRIPT,
      'interchange',
      '--client-address',
      this.socket.lastEndpoint ?? '',
      '--worker-bind',
      ifaces.map((iface) => `tcp://${iface}:${this.workerPort}`).join(','),
      '--heartbeat-period',
      String(this.heartbeatPeriodMs / 1000),
      '--heartbeat-threshold',
      String(this.heartbeatThresholdMs / 1000),
      ...(this.certDir ? ['--cert-dir', this.certDir] : ['--no-encryption']),
    ];
    try {
      // stdin stays an open pipe: the interchange stops when it reads EOF (this process died).
      // Own process group: a terminal's Ctrl-C reaches this process, which shuts down in order.
      this.interchange = spawn(process.execPath, args, { stdio: ['pipe', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    process.once('exit', this.onProcessExit);
    const child = this.interchange;
    child.stdin?.on('error', () => undefined);
    child.once('error', (err) => this.fail(new InterchangeFailedError(this.label, `could not be started: ${err.message}`, { cause: err, logFile: this.interchangeLog })));
    child.once('exit', (code, sig) => {
      if (this._state === 'STOPPING' || this._state === 'STOPPED') return;
      const tail = logTail(this.interchangeLog);
      this.fail(new InterchangeFailedError(this.label, `exited unexpectedly (${sig ?? `code ${code}`})${tail ? `: ${tail}` : ''}`, { logFile: this.interchangeLog }));
    });
    const timeoutSec = this.options.interchangeStartTimeoutSec ?? HTEX_DEFAULTS.interchangeStartTimeoutSec;
    const readyAndRunning = (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ready,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new InterchangeFailedError(this.label, `did not report ready within ${timeoutSec} s`, { logFile: this.interchangeLog })), timeoutSec * 1000);
          }),
        ]);
      } finally {
        if (timer) clearTimeout(timer);
      }
      this.lastHeardMs = Date.now();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatPeriodMs);
      this.heartbeatTimer.unref();
      log(`htex: interchange pid ${child.pid} ready; pools connect on port ${this.workerPort}${this.certDir ? ` with certificates in ${this.certDir}` : ''}`);
    })();
    // Settled by start(); this keeps an early failure from counting as unhandled meanwhile.
    readyAndRunning.catch(() => undefined);
    return { ready: readyAndRunning };
  }

  /** Host names/addresses given to the pools, in the order they try them. */
  private get poolAddresses(): string[] {
    return this.options.addresses ?? [hostname(), '127.0.0.1'];
  }

  /**
   * The interfaces the interchange listens on for pools: `workerBindInterface` when set (`*` is
   * every interface), else the IPv4 addresses of this host that the pool addresses resolve to here,
   * so the port is not open on interfaces no pool was told about. A host name that resolves to
   * loopback only here while pools run elsewhere (Slurm) is warned about: nodes would resolve it
   * to another address, which is not bound.
   */
  private async workerBindAddresses(): Promise<string[]> {
    if (this.options.workerBindInterface !== undefined) return [this.options.workerBindInterface];
    const { lookup } = await import('node:dns/promises');
    const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address)));
    const isLocal = (ip: string): boolean => local.has(ip) || ip.startsWith('127.');
    const bind = new Set<string>();
    for (const address of this.poolAddresses) {
      let ips: string[];
      try {
        ips = isIP(address) === 4 ? [address] : (await lookup(address, { all: true, family: 4 })).map((r) => r.address);
      } catch (err) {
        this.ctx.log(`htex: pool address '${address}' does not resolve on this host (${(err as Error).message}); not listening for it`);
        continue;
      }
      const usable = ips.filter(isLocal);
      for (const ip of ips.filter((ip) => !isLocal(ip))) this.ctx.log(`htex: pool address '${address}' is ${ip}, not an address of this host; not listening on it`);
      for (const ip of usable) bind.add(ip);
      if (isIP(address) === 0 && usable.length > 0 && usable.every((ip) => ip.startsWith('127.')) && !(this.provider instanceof LocalProvider)) {
        const warning = `pool address '${address}' is ${usable.join(', ')} (loopback) on this host, so the interchange listens only there; pools on other nodes cannot connect: set address to a name or IP the nodes reach, or worker_bind_interface: '*'`;
        if (this.ctx.warn) this.ctx.warn(warning);
        else this.ctx.log(`htex: WARNING: ${warning}`);
      }
    }
    if (bind.size === 0) {
      throw new ExecutorFailedError(this.label, `none of the pool addresses (${this.poolAddresses.join(', ')}) is an address of this host; set address to this host's name or IP, or worker_bind_interface (e.g. '*')`);
    }
    return [...bind];
  }

  submit(task: TaskEnvelope, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this._state !== 'RUNNING') {
      if (this._state === 'FAILED' && this.failure) return Promise.reject(this.failure);
      return Promise.reject(new ExecutorStateError(this.label, this._state, 'submit'));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    return new Promise<TaskOutcome>((resolve, reject) => {
      const p: PendingTask = { envelope: task, resolve, reject };
      this.pending.set(id, p);
      if (signal) {
        p.signal = signal;
        this.watchAbort(signal, id);
      }
      this.outgoing.push({ id, taskId: task.taskId, attempt: task.attempt, spec: task.spec });
      if (this.outgoing.length >= MAX_BATCH) this.flush();
      else this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  outstanding(): number {
    return this.pending.size;
  }

  /** Where the executor's link listens and which port pools connect to (tests, diagnostics; experimental). */
  endpoints(): { executor: string; workerPort: number; certDir: string | null; interchangePid: number | undefined } {
    return { executor: this.socket?.lastEndpoint ?? '', workerPort: this.workerPort, certDir: this.certDir, interchangePid: this.interchange?.pid };
  }

  /** Pools connected to the interchange, as of its last status report (experimental). */
  managers(): ManagerInfo[] {
    return this.managerSnapshot;
  }

  /** Ask the interchange directly (command channel); resolves with its reply (experimental). */
  command(request: CommandRequest): Promise<CommandReply> {
    if (this._state !== 'RUNNING' && this._state !== 'DRAINING') return Promise.reject(new ExecutorStateError(this.label, this._state, 'send a command'));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.commands.set(requestId, { resolve, reject });
      this.send({ type: 'command', requestId, request });
    });
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    if (this._state === 'INITIALIZED') {
      this._state = 'STOPPED';
      return;
    }
    const failed = this._state === 'FAILED';
    this._state = 'STOPPING';
    // No block may be submitted after the cancel below: wait for a scaling round in flight.
    await this.scaler?.stop();
    this.flush();
    this.send({ type: 'shutdown' });
    await this.teardown();
    this.rejectAll(this.failure ?? new ExecutorFailedError(this.label, 'shut down before the task finished'));
    this._state = failed ? 'FAILED' : 'STOPPED';
  }

  /** Every cleanup step runs even when one fails; bounded by the grace period. */
  private async teardown(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const steps: Promise<unknown>[] = [];
    const jobIds = [...this.blockRecords.values()].map((b) => b.jobId);
    if (jobIds.length > 0) steps.push(this.provider.cancel(jobIds).catch((err) => this.ctx.log(`htex: cancelling blocks failed: ${String(err)}`)));
    this.blockRecords.clear();
    const child = this.interchange;
    if (child && child.exitCode === null && child.signalCode === null) {
      steps.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
          }, SHUTDOWN_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          // The shutdown message is the polite way; SIGTERM covers an interchange that missed it.
          setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGTERM'), 300).unref();
        }),
      );
    }
    await Promise.allSettled(steps);
    process.removeListener('exit', this.onProcessExit);
    this.interchange?.stdin?.destroy();
    // A send to an interchange that is gone never completes (a DEALER without peers blocks): bound it.
    await Promise.race([this.writer?.flushed(), new Promise((r) => setTimeout(r, 300))]);
    this.writer?.close();
    this.socket?.close();
    await this.zap?.close();
    for (const c of this.commands.values()) c.reject(new ExecutorStateError(this.label, 'STOPPED', 'answer a command'));
    this.commands.clear();
  }

  private fail(err: ParslCwlError): void {
    if (this._state === 'FAILED' || this._state === 'STOPPING' || this._state === 'STOPPED') return;
    this.ctx.log(`htex: ${err.message}`);
    this._state = 'FAILED';
    this.failure = err;
    void this.scaler?.stop();
    this.readyWaiter?.reject(err);
    this.rejectAll(err);
  }

  private rejectAll(err: unknown): void {
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [id, p] of pending) {
      if (p.signal) this.unwatchAbort(p.signal, id);
      p.reject(err);
    }
  }

  /**
   * One 'abort' listener per distinct signal, not per task: kernels pass one signal to many tasks,
   * and EventTarget.addEventListener is linear in the listeners already there (quadratic overall).
   * The caller stops waiting at once; the tasks are then cancelled where they are (`cancelTasks`).
   */
  private watchAbort(signal: AbortSignal, id: number): void {
    let ids = this.abortWatch.get(signal);
    if (!ids) {
      const watched = new Set<number>();
      ids = watched;
      this.abortWatch.set(signal, watched);
      signal.addEventListener(
        'abort',
        () => {
          const aborted: number[] = [];
          for (const taskId of watched) {
            const p = this.pending.get(taskId);
            if (!p) continue;
            this.pending.delete(taskId);
            aborted.push(taskId);
            p.reject(signal.reason);
          }
          watched.clear();
          this.cancelTasks(aborted);
        },
        { once: true },
      );
    }
    ids.add(id);
  }

  private unwatchAbort(signal: AbortSignal, id: number): void {
    this.abortWatch.get(signal)?.delete(id);
  }

  /**
   * Tasks whose caller aborted (already rejected): one not sent yet is taken out of the next batch
   * and never leaves this process; the others are named in a `cancel` message, batched like tasks,
   * and the interchange drops them from its queue or has their pool stop them. Results that still
   * come back for them find no pending entry and are ignored.
   */
  private cancelTasks(ids: number[]): void {
    if (ids.length === 0 || (this._state !== 'RUNNING' && this._state !== 'DRAINING')) return;
    // `outgoing` holds exactly the ids from its first one up to the last submitted (ids only grow).
    const firstUnsent = this.outgoing[0]?.id ?? this.nextId;
    let unsent = 0;
    for (const id of ids) {
      if (id >= firstUnsent) unsent++;
      else this.cancelling.push(id);
    }
    if (unsent > 0) {
      const dropped = new Set(ids.filter((id) => id >= firstUnsent));
      this.outgoing = this.outgoing.filter((t) => !dropped.has(t.id));
    }
    if (this.cancelling.length > 0) this.scheduleFlush();
  }

  private send(m: ToInterchange): void {
    this.writer?.write([encode(m)]);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outgoing.length > 0) {
      const tasks = this.outgoing;
      this.outgoing = [];
      this.send({ type: 'tasks', tasks });
    }
    // After the tasks: a cancel never overtakes the task it names.
    if (this.cancelling.length > 0) {
      const ids = this.cancelling;
      this.cancelling = [];
      this.send({ type: 'cancel', ids });
    }
  }

  private heartbeat(): void {
    if (this._state !== 'RUNNING' && this._state !== 'DRAINING') return;
    if (Date.now() - this.lastHeardMs > this.heartbeatThresholdMs) {
      this.fail(new InterchangeFailedError(this.label, `sent nothing for ${this.heartbeatThresholdMs / 1000} s (hung?)`, { logFile: this.interchangeLog }));
      if (this.interchange?.pid !== undefined) signalGroup(this.interchange.pid, 'SIGKILL');
      return;
    }
    this.send({ type: 'heartbeat' });
  }

  private async receiveLoop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    try {
      for await (const [frame] of socket) {
        if (!frame) continue;
        this.lastHeardMs = Date.now();
        let m;
        try {
          m = decodeFromInterchange(frame);
        } catch (err) {
          this.ctx.log(`htex: ${String(err)}`);
          continue;
        }
        switch (m.type) {
          case 'results':
            this.settle(m.results);
            break;
          case 'ready':
            this.workerPort = m.workerPort;
            this.readyWaiter?.resolve();
            this.readyWaiter = undefined;
            break;
          case 'status':
            this.managerSnapshot = m.managers;
            this.snapshotAtMs = Date.now();
            break;
          case 'commandReply': {
            const c = this.commands.get(m.requestId);
            this.commands.delete(m.requestId);
            c?.resolve(m.reply);
            break;
          }
          case 'managerRegistered':
            this.ctx.log(`htex: pool ${m.manager.poolId} registered (block ${m.manager.blockId}, ${m.manager.hostname}, ${m.manager.workers} workers)`);
            break;
          case 'managerRejected':
            this.fail(errorFromJson(m.error));
            break;
          case 'managerLost':
            this.ctx.log(`htex: pool ${m.poolId} (block ${m.blockId}) lost: ${m.reason}`);
            break;
          case 'heartbeat':
            break;
        }
      }
    } catch (err) {
      if (this._state === 'RUNNING') this.fail(new InterchangeFailedError(this.label, `link failed: ${String(err)}`, { cause: err, logFile: this.interchangeLog }));
    }
  }

  private settle(results: WireResult[]): void {
    for (const r of results) {
      const p = this.pending.get(r.id);
      if (!p) continue; // aborted by the caller meanwhile
      this.pending.delete(r.id);
      if (p.signal) this.unwatchAbort(p.signal, r.id);
      if (r.ok) p.resolve(r.outcome);
      else p.reject(errorFromJson(r.error));
    }
  }

  // ---- scaling hooks (the strategy in src/executors/strategy drives them) ----

  private poolCommand(blockId: string): string {
    const addresses = this.poolAddresses;
    const args = [
      process.execPath,
      MAIN_SCRIPT,
      'pool',
      '--addresses',
      addresses.join(','),
      '--port',
      String(this.workerPort),
      '--block-id',
      blockId,
      '--workers',
      String(this.workersPerPool),
      '--prefetch',
      String(this.prefetchCapacity),
      '--heartbeat-period',
      String(this.heartbeatPeriodMs / 1000),
      '--heartbeat-threshold',
      String(this.heartbeatThresholdMs / 1000),
      '--log-dir',
      join(this.ctx.runDir, 'pools'),
      ...(this.certDir ? ['--cert-dir', this.certDir] : ['--no-encryption']),
      ...(this.options.drainPeriodSec ? ['--drain-period', String(this.options.drainPeriodSec)] : []),
    ];
    return args.map(shellQuote).join(' ');
  }

  private async scaleOut(blocks: number): Promise<string[]> {
    if (this._state !== 'RUNNING') throw new ExecutorStateError(this.label, this._state, 'scale out');
    const started: string[] = [];
    for (let i = 0; i < blocks; i++) {
      const blockId = String(this.nextBlockId++);
      const command = this.provider.launcher.wrap(this.poolCommand(blockId), 1, this.provider.nodesPerBlock);
      const jobId = await this.provider.submit({
        command,
        jobName: `parsl.${this.label}.block-${blockId}`,
        tasksPerNode: 1,
        scriptDir: join(this.ctx.runDir, 'submit_scripts'),
      });
      if (this._state !== 'RUNNING') {
        // Shutdown began while sbatch ran: teardown has already cancelled the known blocks.
        await this.provider.cancel([jobId]).catch((err) => this.ctx.log(`htex: cancelling block ${blockId} failed: ${String(err)}`));
        break;
      }
      this.blockRecords.set(blockId, { blockId, jobId, draining: false });
      this.ctx.log(`htex: block ${blockId} submitted to the ${this.provider.label} provider as job ${jobId}`);
      started.push(blockId);
    }
    return started;
  }

  private blockViews(): BlockView[] {
    const now = Date.now();
    return [...this.blockRecords.values()].map((b) => {
      const managers = this.managerSnapshot.filter((m) => m.blockId === b.blockId);
      const activeTasks = managers.reduce((sum, m) => sum + m.tasks, 0);
      const idle = managers.length > 0 && activeTasks === 0;
      const idleMs = idle ? Math.min(...managers.map((m) => m.idleMs)) + (now - this.snapshotAtMs) : 0;
      return { blockId: b.blockId, jobId: b.jobId, managers: managers.length, activeTasks, idleSinceMs: idle ? now - idleMs : undefined, draining: b.draining };
    });
  }

  private async scaleIn(blocks: number, blockIds?: string[]): Promise<string[]> {
    const views = this.blockViews();
    const chosen = blockIds
      ? views.filter((v) => blockIds.includes(v.blockId))
      : views
          .filter((v) => v.idleSinceMs !== undefined && !v.draining)
          .sort((a, b) => (a.idleSinceMs ?? 0) - (b.idleSinceMs ?? 0))
          .slice(0, blocks);
    const cancelled: string[] = [];
    for (const view of chosen) {
      const record = this.blockRecords.get(view.blockId);
      if (!record) continue;
      record.draining = true;
      // Hold first so the interchange sends the block nothing more while it is being cancelled.
      for (const m of this.managerSnapshot.filter((x) => x.blockId === view.blockId)) {
        await this.command({ command: 'hold', poolId: m.poolId }).catch(() => undefined);
      }
      // Drain: tasks that reached the block before the hold finish there (bounded), then it is cancelled.
      await this.waitBlockIdle(view.blockId, SCALE_IN_DRAIN_MS);
      await this.provider.cancel([record.jobId]);
      this.blockRecords.delete(view.blockId);
      // Anything that still reached it fails now (ManagerLost → the kernel's retries), not after heartbeats.
      await this.command({ command: 'dropBlock', blockId: view.blockId, reason: 'its block was scaled in' }).catch(() => undefined);
      this.ctx.log(`htex: block ${view.blockId} (job ${record.jobId}) scaled in`);
      cancelled.push(view.blockId);
    }
    return cancelled;
  }

  /** Polls the interchange until the block's pools hold no task, the limit passes, or the executor stops running. */
  private async waitBlockIdle(blockId: string, limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const reply = await this.command({ command: 'managers' }).catch(() => undefined);
      const busy = reply?.command === 'managers' ? reply.managers.filter((m) => m.blockId === blockId).reduce((sum, m) => sum + m.tasks, 0) : 0;
      if (busy === 0 || Date.now() >= deadline || this._state !== 'RUNNING') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private blockTerminated(blockId: string, status: BlockStatus): void {
    if (!this.blockRecords.delete(blockId)) return;
    this.ctx.log(`htex: block ${blockId} ended (${status.state}${status.detail ? `: ${status.detail}` : ''})`);
    void this.command({ command: 'dropBlock', blockId, reason: `its block ended (${status.state})` }).catch(() => undefined);
  }
}

/** A TCP port free on `iface` now (the interchange binds it a moment later). */
function freePort(iface: string): Promise<number> {
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


function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function logTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines.slice(-3).join(' | ');
  } catch {
    return '';
  }
}
