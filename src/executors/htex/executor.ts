/**
 * HighThroughputExecutor: the executor client in the user's process (docs/architecture.md,
 * "Processes at run time"). It creates the run's CurveZMQ certificates, binds the link to the
 * interchange (interchangeLink.ts), starts the interchange process (interchangeProcess.ts), asks
 * the provider for blocks running `parsl-cwl pool` (blocks.ts), and turns TaskEnvelopes into
 * batched wire tasks and result batches back into settled promises.
 *
 * Fail fast: an interchange that exits, never reports ready, or stops heartbeating moves the
 * executor to FAILED and rejects every pending and later task with InterchangeFailed.
 */
import { hostname, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { errorFromJson, type ParslCwlError } from '../../util/index.js';
import type { ExecutionProvider } from '../../providers/index.js';
import { ExecutorFailedError, ExecutorStateError } from '../errors.js';
import { BlockScaler } from '../strategy/blockScaler.js';
import type { Executor, ExecutorStartContext, ExecutorState, OutstandingResources, ScalingHooks, TaskEnvelope, TaskOutcome, TaskRunReport } from '../executor.js';
import { HtexBlocks, type PoolSettings } from './blocks.js';
import { createCertificates, loadServerKeys, type ServerKeys } from './certificates.js';
import { InterchangeFailedError } from './errors.js';
import { InterchangeLink } from './interchangeLink.js';
import { InterchangeProcess, freePort, workerBindAddresses } from './interchangeProcess.js';
import { HTEX_DEFAULTS, type HtexOptions } from './options.js';
import type { CommandReply, CommandRequest, FromInterchange, ManagerInfo, PoolUsage, ToInterchange, WireResult, WireTask } from './protocol.js';
import { LocalProvider } from '../../providers/index.js';
import { DEFAULT_KILL_GRACE_MS } from '../../process/index.js';

/** Tasks per wire message at most; larger submissions go out as several batches. */
const MAX_BATCH = 2000;

/**
 * Shutdown waits at most this long for cancelled tasks to come back from the pools before it
 * cancels the blocks: a worker stops its task's processes within the kill grace period (workers use
 * the default), and the margin covers the task's own clean-up after that (removing its container)
 * and the messages back, on a loaded node.
 */
export const CANCEL_WAIT_MS = DEFAULT_KILL_GRACE_MS + 5000;

interface PendingTask {
  envelope: TaskEnvelope;
  resolve: (o: TaskOutcome) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
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
  private link: InterchangeLink | undefined;
  private interchange: InterchangeProcess | undefined;
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
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastBeatMs = 0;
  /**
   * Times this process's heartbeat timer ran late (its event loop was blocked: a long synchronous
   * submit loop, a starved CPU) and by how much. Messages that arrived meanwhile wait unread in the
   * socket, so that time is not the interchange's silence (see `interchangeSilenceMs`).
   */
  private stalls: Array<{ atMs: number; ms: number }> = [];
  private readonly blocks: HtexBlocks;
  private managerSnapshot: ManagerInfo[] = [];
  /** Each registered pool's block, for the run record (pools never change block). */
  private readonly poolBlocks = new Map<string, string>();
  /** The last usage each pool reported (status while it is connected, poolUsage when it leaves). */
  private readonly poolUsage = new Map<string, PoolUsage>();
  private snapshotAtMs = 0;
  private shutdownPromise: Promise<void> | undefined;
  /** Block scaling (src/executors/strategy); stopped before shutdown cancels the blocks. */
  private scaler: BlockScaler | undefined;
  private readyWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** Set while shutdown waits for cancelled tasks: called when anything that may end the wait arrives. */
  private wake: (() => void) | undefined;
  private onInterchangeExit: (() => void) | undefined;
  private interchangeExited = false;

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
    this.blocks = new HtexBlocks({
      label: this.label,
      provider: this.provider,
      state: () => this._state,
      log: (line) => this.ctx.log(line),
      blockEvent: (event) => this.ctx.blockEvent?.(event),
      scriptDir: () => join(this.ctx.runDir, 'submit_scripts'),
      poolSettings: () => this.poolSettings(),
      managerSnapshot: () => ({ managers: this.managerSnapshot, atMs: this.snapshotAtMs }),
      command: (request) => this.command(request),
    });
    this.scaling = {
      provider: this.provider,
      workersPerBlock: this.workersPerPool * this.provider.nodesPerBlock,
      // A worker runs one task at a time: without a per-node core figure a block brings one core per worker.
      coresPerBlock: (this.provider.coresPerNode ?? this.workersPerPool) * this.provider.nodesPerBlock,
      ...(this.provider.memPerNodeMB !== undefined ? { memPerBlockMB: this.provider.memPerNodeMB * this.provider.nodesPerBlock } : {}),
      outstandingResources: () => this.outstandingResources(),
      connectedBlocks: () => this.blocks.connected(),
      blocks: () => this.blocks.views(),
      scaleOut: (n) => this.blocks.scaleOut(n),
      scaleIn: (n, ids) => this.blocks.scaleIn(n, ids),
      blockTerminated: (blockId, status) => this.blocks.terminated(blockId, status),
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
      const [readied, submitted] = await Promise.allSettled([ready, init > 0 ? this.blocks.scaleOut(init) : Promise.resolve([])]);
      if (readied.status === 'rejected') throw readied.reason;
      if (submitted.status === 'rejected') throw submitted.reason;
      if (this.options.drainBeforeWalltimeSec && !this.provider.walltimeSec) {
        ctx.log(`htex: drain_before_walltime is ignored: the ${this.provider.label} provider's blocks have no walltime`);
      }
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
    this.interchangeLog = join(runDir, 'interchange.log');
    let keys: ServerKeys | undefined;
    if (this.encrypted) {
      this.certDir = await createCertificates(runDir);
      keys = await loadServerKeys(this.certDir);
    } else {
      const warning = 'encryption is off (encrypted: false): tasks and results cross the network between the interchange and its pools in plain text; remove encrypted: false from the config to turn it back on';
      if (this.ctx.warn) this.ctx.warn(warning);
      else log(`htex: WARNING: ${warning}`);
    }
    const link = await InterchangeLink.bind(keys, log);
    this.link = link;
    const ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    link.receive({
      message: (m) => this.received(m),
      failed: (err) => {
        if (this._state === 'RUNNING') this.fail(new InterchangeFailedError(this.label, `link failed: ${String(err)}`, { cause: err, logFile: this.interchangeLog }));
      },
    });

    const ifaces = await workerBindAddresses({
      label: this.label,
      bindInterface: this.options.workerBindInterface,
      addresses: this.poolAddresses,
      localPools: this.provider instanceof LocalProvider,
      log: this.ctx.log,
      warn: this.ctx.warn,
    });
    // Choosing the port here (not `*` in the interchange) lets pools start before it is ready.
    this.workerPort = this.options.workerPort || (await freePort(ifaces.length === 1 ? ifaces[0]! : '*'));
    const interchange = InterchangeProcess.start(
      {
        runDir,
        clientAddress: link.endpoint,
        workerBind: ifaces.map((iface) => `tcp://${iface}:${this.workerPort}`),
        heartbeatPeriodSec: this.heartbeatPeriodMs / 1000,
        heartbeatThresholdSec: this.heartbeatThresholdMs / 1000,
        certDir: this.certDir,
      },
      {
        error: (err) => this.fail(new InterchangeFailedError(this.label, `could not be started: ${err.message}`, { cause: err, logFile: this.interchangeLog })),
        exit: (code, sig) => {
          this.interchangeExited = true;
          this.onInterchangeExit?.();
          if (this._state === 'STOPPING' || this._state === 'STOPPED') return;
          const tail = interchange.logTail();
          this.fail(new InterchangeFailedError(this.label, `exited unexpectedly (${sig ?? `code ${code}`})${tail ? `: ${tail}` : ''}`, { logFile: this.interchangeLog }));
        },
      },
    );
    this.interchange = interchange;
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
      link.lastHeardMs = this.lastBeatMs = Date.now();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatPeriodMs);
      this.heartbeatTimer.unref();
      log(`htex: interchange pid ${interchange.pid} ready; pools connect on port ${this.workerPort}${this.certDir ? ` with certificates in ${this.certDir}` : ''}`);
    })();
    // Settled by start(); this keeps an early failure from counting as unhandled meanwhile.
    readyAndRunning.catch(() => undefined);
    return { ready: readyAndRunning };
  }

  /** Host names/addresses given to the pools, in the order they try them. */
  private get poolAddresses(): string[] {
    return this.options.addresses ?? [hostname(), '127.0.0.1'];
  }

  private poolSettings(): PoolSettings {
    return {
      addresses: this.poolAddresses,
      workerPort: this.workerPort,
      workersPerPool: this.workersPerPool,
      prefetchCapacity: this.prefetchCapacity,
      heartbeatPeriodSec: this.heartbeatPeriodMs / 1000,
      heartbeatThresholdSec: this.heartbeatThresholdMs / 1000,
      logDir: join(this.ctx.runDir, 'pools'),
      certDir: this.certDir,
      drainPeriodSec: this.options.drainPeriodSec,
      ...(this.options.drainBeforeWalltimeSec && this.provider.walltimeSec
        ? { drainBeforeWalltime: { drainBeforeSec: this.options.drainBeforeWalltimeSec, walltimeSec: this.provider.walltimeSec } }
        : {}),
    };
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

  /**
   * What the outstanding tasks ask for (the kernel submits only ready tasks): their count, and
   * the cores and memory their specs request (`resources`; 1 core and no memory figure when absent),
   * each task's capped at what one block has.
   */
  outstandingResources(): OutstandingResources {
    // A task asking more than one block has counts as one block's worth: more blocks would not run it.
    const maxCores = this.scaling.coresPerBlock ?? Infinity;
    const maxRam = this.scaling.memPerBlockMB ?? Infinity;
    let cores = 0;
    let ramMB = 0;
    for (const p of this.pending.values()) {
      const r = p.envelope.spec.kind === 'noop' ? undefined : p.envelope.spec.resources;
      cores += Math.min(maxCores, Math.max(1, r?.cores ?? 1));
      ramMB += Math.min(maxRam, r?.ramMB ?? 0);
    }
    return { tasks: this.pending.size, cores, ramMB };
  }

  /** Worker-seconds of every pool this executor has had, busy and idle, as the pools reported them (experimental). */
  usage(): PoolUsage {
    let busyWorkerSec = 0;
    let idleWorkerSec = 0;
    for (const u of this.poolUsage.values()) {
      busyWorkerSec += u.busyWorkerSec;
      idleWorkerSec += u.idleWorkerSec;
    }
    return { busyWorkerSec, idleWorkerSec };
  }

  /** Where the executor's link listens and which port pools connect to (tests, diagnostics; experimental). */
  endpoints(): { executor: string; workerPort: number; certDir: string | null; interchangePid: number | undefined } {
    return { executor: this.link?.endpoint ?? '', workerPort: this.workerPort, certDir: this.certDir, interchangePid: this.interchange?.pid };
  }

  /** Pools connected to the interchange, as of its last status report (experimental). */
  managers(): ManagerInfo[] {
    return this.managerSnapshot;
  }

  /** Ask the interchange directly (command channel); resolves with its reply (experimental). */
  command(request: CommandRequest): Promise<CommandReply> {
    if ((this._state !== 'RUNNING' && this._state !== 'DRAINING') || !this.link) return Promise.reject(new ExecutorStateError(this.label, this._state, 'send a command'));
    return this.link.command(request);
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
    // Tasks still running are cancelled where they run, like the ones their callers aborted; they
    // reject when shutdown ends, as before (their answers, if any, are ignored: no longer pending).
    const stopped = failed ? [] : this.takePending();
    this.cancelTasks(stopped.map(([id]) => id));
    this._state = 'STOPPING';
    // No block may be submitted after the cancel below: wait for a scaling round in flight.
    await this.scaler?.stop();
    this.flush();
    if (!failed) await this.awaitPoolsIdle();
    this.send({ type: 'shutdown' });
    await this.teardown();
    const err = this.failure ?? new ExecutorFailedError(this.label, 'shut down before the task finished');
    for (const [, p] of stopped) p.reject(err);
    this.rejectAll(err);
    this._state = failed ? 'FAILED' : 'STOPPED';
  }

  /**
   * Before the blocks are cancelled, cancelled tasks get to end on their pools: a worker answers for
   * a task once it has stopped the task's processes and the task has cleaned up after itself (a
   * container step removes its container). Cancelling a block first would signal that clean-up too
   * (a Slurm scancel signals every process of the job) and leave its leftovers behind. Ends when the
   * interchange counts no task on any pool, when it exits, or after CANCEL_WAIT_MS.
   */
  private async awaitPoolsIdle(): Promise<void> {
    const link = this.link;
    if (!link || this.interchangeExited) return;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), CANCEL_WAIT_MS)));
    let exitedNow: () => void = () => undefined;
    const exited = new Promise<'exited'>((r) => (exitedNow = () => r('exited')));
    this.onInterchangeExit = exitedNow;
    let waiting = false;
    try {
      for (;;) {
        // Made before asking: whatever arrives before the reply makes the next round ask again.
        const changed = new Promise<'changed'>((r) => (this.wake = () => r('changed')));
        const reply = await Promise.race([link.command({ command: 'managers' }).catch(() => 'closed' as const), timeout, exited]);
        if (reply === 'closed' || reply === 'exited') return;
        if (reply === 'timeout') break;
        const busy = reply.command === 'managers' ? reply.managers.reduce((n, m) => n + m.tasks, 0) : 0;
        if (busy === 0) {
          if (waiting) this.ctx.log(`htex: the cancelled tasks ended on their pools after ${Date.now() - started} ms`);
          return;
        }
        if (!waiting) this.ctx.log(`htex: waiting up to ${CANCEL_WAIT_MS} ms for ${busy} cancelled task(s) to end on their pools before cancelling the blocks`);
        waiting = true;
        const next = await Promise.race([changed, timeout, exited]);
        if (next === 'exited') return;
        if (next === 'timeout') break;
      }
      this.ctx.log(`htex: cancelled tasks still on their pools after ${CANCEL_WAIT_MS} ms; cancelling the blocks anyway`);
    } finally {
      if (timer) clearTimeout(timer);
      this.wake = undefined;
      this.onInterchangeExit = undefined;
    }
  }

  /** Every cleanup step runs even when one fails; bounded by the grace period. */
  private async teardown(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const steps: Promise<unknown>[] = [];
    const cancelBlocks = this.blocks.cancelAll();
    if (cancelBlocks) steps.push(cancelBlocks);
    if (this.interchange) steps.push(this.interchange.stop());
    await Promise.allSettled(steps);
    this.interchange?.release();
    await this.link?.close(new ExecutorStateError(this.label, 'STOPPED', 'answer a command'));
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
    for (const [, p] of this.takePending()) p.reject(err);
  }

  /** Every pending task, taken out of `pending` (a result arriving later is ignored). */
  private takePending(): Array<[number, PendingTask]> {
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [id, p] of pending) if (p.signal) this.unwatchAbort(p.signal, id);
    return pending;
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
    this.link?.send(m);
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
    const now = Date.now();
    const late = now - this.lastBeatMs - this.heartbeatPeriodMs;
    this.lastBeatMs = now;
    if (late > 0) this.stalls.push({ atMs: now, ms: late });
    if (this.link && this.interchangeSilenceMs(now, this.link.lastHeardMs) > this.heartbeatThresholdMs) {
      this.fail(new InterchangeFailedError(this.label, `sent nothing for ${this.heartbeatThresholdMs / 1000} s (hung?)`, { logFile: this.interchangeLog }));
      this.interchange?.kill();
      return;
    }
    this.send({ type: 'heartbeat' });
  }

  /**
   * How long the interchange has been silent as of `now`, leaving out the time this process itself
   * was stalled since it last heard from it. Without this, a synchronous loop submitting a million
   * tasks for longer than the threshold (on a loaded machine) got a healthy interchange killed as
   * hung on the first heartbeat after the loop, before its messages were even read (docs/scale.md).
   */
  private interchangeSilenceMs(now: number, heardMs: number): number {
    this.stalls = this.stalls.filter((s) => s.atMs > heardMs);
    let stalled = 0;
    for (const s of this.stalls) stalled += Math.min(s.ms, s.atMs - heardMs);
    return now - heardMs - stalled;
  }

  /** What the interchange sends, command replies aside (the link settles those). */
  private received(m: Exclude<FromInterchange, { type: 'commandReply' }>): void {
    switch (m.type) {
      case 'results':
        this.settle(m.results);
        this.wake?.();
        break;
      case 'ready':
        this.workerPort = m.workerPort;
        this.readyWaiter?.resolve();
        this.readyWaiter = undefined;
        break;
      case 'status':
        this.managerSnapshot = m.managers;
        this.snapshotAtMs = Date.now();
        for (const info of m.managers) {
          if (info.busyWorkerSec !== undefined && info.idleWorkerSec !== undefined) this.poolUsage.set(info.poolId, { busyWorkerSec: info.busyWorkerSec, idleWorkerSec: info.idleWorkerSec });
        }
        this.wake?.();
        break;
      case 'poolUsage':
        this.poolUsage.set(m.poolId, m.usage);
        break;
      case 'managerRegistered':
        this.ctx.log(`htex: pool ${m.manager.poolId} registered (block ${m.manager.blockId}, ${m.manager.hostname}, ${m.manager.workers} workers)`);
        this.poolBlocks.set(m.manager.poolId, m.manager.blockId);
        this.blocks.poolRegistered(m.manager.blockId);
        break;
      case 'managerRejected':
        this.fail(errorFromJson(m.error));
        break;
      case 'managerLost':
        this.ctx.log(`htex: pool ${m.poolId} (block ${m.blockId}) lost: ${m.reason}`);
        this.wake?.();
        break;
      case 'heartbeat':
        break;
    }
  }

  /** The run record's facts of one try, with the pool (the worker id's prefix, `<pool>/w<n>`) and its block. */
  private report(envelope: TaskEnvelope, run: TaskRunReport): void {
    if (run.manager === undefined && run.worker !== undefined) {
      const slash = run.worker.lastIndexOf('/');
      if (slash > 0) run.manager = run.worker.slice(0, slash);
    }
    if (run.manager !== undefined && run.block === undefined) {
      const block = this.poolBlocks.get(run.manager);
      if (block !== undefined) run.block = block;
    }
    this.ctx.taskReport?.(envelope.taskId, envelope.attempt, run);
  }

  private settle(results: WireResult[]): void {
    for (const r of results) {
      const p = this.pending.get(r.id);
      if (!p) continue; // aborted by the caller meanwhile
      this.pending.delete(r.id);
      if (p.signal) this.unwatchAbort(p.signal, r.id);
      if (r.run && this.ctx.taskReport) this.report(p.envelope, r.run);
      if (r.ok) p.resolve(r.outcome);
      else p.reject(errorFromJson(r.error));
    }
  }
}
