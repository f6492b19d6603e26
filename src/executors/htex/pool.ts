/**
 * The worker pool (Parsl's process_worker_pool / "manager"): one per node, started by a provider's
 * launcher as `parsl-cwl pool ...`. It registers with the interchange, forks its worker processes,
 * hands them tasks, batches their results back, heartbeats, drains, and restarts a worker that died
 * (its running task fails with WorkerLost; tasks queued behind it go to other workers). A cancelled
 * task still queued here is dropped; one sent to a worker is cancelled there.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type * as Zmq from 'zeromq';
import { errorFromJson, errorToJson, packageVersion } from '../../util/index.js';
import { BlockWalltimeError, WorkerLostError } from '../errors.js';
import { loadClientKeys } from './certificates.js';
import { PROTOCOL_VERSION, cancelledResult, decodeToPool, encode, receiveMessages, type FromPool, type FromWorker, type PoolUsage, type Registration, type WireResult, type WireTask } from './protocol.js';
import { SocketWriter } from './socketWriter.js';
import { InterchangeFailedError } from './errors.js';

export interface PoolOptions {
  /** Interchange hosts to try, in order of preference; the first that answers is used. */
  addresses: string[];
  port: number;
  /** The run's certificates folder; null runs unencrypted (the interchange must agree). */
  certDir: string | null;
  blockId: string;
  workers: number;
  prefetch: number;
  heartbeatPeriodMs: number;
  heartbeatThresholdMs: number;
  /** Stop taking tasks this long after start and exit once idle (Parsl's drain_period). */
  drainPeriodMs?: number;
  /**
   * The block's walltime and when the block started (Date.now() scale; default: the pool's start).
   * With `drainBeforeEndMs`, the pool stops taking tasks that long before the block's end, and
   * fails the tasks still running just before the end with BlockWalltimeError (then leaves), so
   * that they are retried elsewhere with that error named instead of dying with the block.
   */
  blockWalltimeMs?: number;
  blockStartMs?: number;
  drainBeforeEndMs?: number;
  /** Folder for the pool's and its workers' logs. */
  logDir: string;
  /** How long to try the addresses before giving up (default: the heartbeat threshold, at least 60 s). */
  connectTimeoutMs?: number;
  /**
   * Module URLs every worker imports before it takes tasks: the modules that register runners of
   * `job` tasks (../jobRunners.ts; `parsl-cwl pool` gives the CWL layer's).
   */
  workerModules?: string[];
  log: (line: string) => void;
}

export type PoolState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPING' | 'STOPPED' | 'FAILED';

interface WorkerSlot {
  index: number;
  id: string;
  child: ChildProcess;
  ready: boolean;
  /** Tasks sent to this worker and not answered, in the order it runs them; the head is running. */
  tasks: WireTask[];
}

type CurveClientOptions = { curveServerKey?: string; curvePublicKey?: string; curveSecretKey?: string };

const WORKER_MODULE = new URL('./workerMain.js', import.meta.url);

export class WorkerPool {
  readonly poolId: string;
  private _state: PoolState = 'INITIALIZED';
  private zmq!: typeof Zmq;
  private socket!: Zmq.Dealer;
  private writer!: SocketWriter;
  private readonly slots: (WorkerSlot | undefined)[] = [];
  private pending: WireTask[] = [];
  private results: WireResult[] = [];
  /** Tasks a worker was told to cancel and has not answered for yet. */
  private readonly cancelled = new Set<number>();
  private flushScheduled = false;
  private lastHeardMs = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private stopPromise: Promise<void> | undefined;
  private workerLog: number | undefined;
  private readonly perWorkerCap: number;
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;
  /** Workers restarted after dying (tests read it). */
  restarts = 0;
  /**
   * Usage accounting: when the pool started running; since when each worker slot is ready (its
   * first worker's `ready`: a worker still starting is start-up, neither busy nor idle); busy ms of
   * idle-again workers, and since when each worker is busy (0: idle).
   */
  private runningSinceMs = 0;
  private readonly readySince: number[] = [];
  private busyMs = 0;
  private readonly busySince: number[] = [];

  /** Pools may start before the interchange listens (the executor starts both at once). */
  private get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? Math.max(this.options.heartbeatThresholdMs, 60_000);
  }

  constructor(private readonly options: PoolOptions) {
    this.poolId = `${options.blockId}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    // The interchange sends up to workers + prefetch tasks; spread them evenly over the workers.
    this.perWorkerCap = Math.max(1, Math.ceil((options.workers + options.prefetch) / options.workers));
    this.exited = new Promise((r) => (this.resolveExited = r));
  }

  get state(): PoolState {
    return this._state;
  }

  /** Connect, register and start the workers. Resolves once registered; `done()` resolves at exit. */
  async start(): Promise<void> {
    // Workers start while the pool connects and registers: Node start-up is most of a pool's start.
    mkdirSync(this.options.logDir, { recursive: true });
    this.workerLog = openSync(join(this.options.logDir, `workers-${this.poolId}.log`), 'a');
    for (let i = 0; i < this.options.workers; i++) this.startWorker(i);
    this.zmq = await import('zeromq');
    const keys = this.options.certDir ? await loadClientKeys(this.options.certDir) : undefined;
    const curve: CurveClientOptions = keys ? { curveServerKey: keys.serverPublicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey } : {};
    const endpoint = await this.probe(curve);
    this.socket = new this.zmq.Dealer({ routingId: this.poolId, linger: 0, ...curve });
    this.socket.connect(endpoint);
    this.writer = new SocketWriter(this.socket, (err) => this.options.log(`send failed: ${String(err)}`));
    const registration: Registration = {
      poolId: this.poolId,
      blockId: this.options.blockId,
      hostname: hostname(),
      workers: this.options.workers,
      prefetch: this.options.prefetch,
      packageVersion: packageVersion(),
      nodeVersion: process.version,
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
    };
    this.send({ type: 'register', registration });
    const first = await this.receiveOne(this.connectTimeoutMs);
    if (first === undefined) throw new InterchangeFailedError('pool', `at ${endpoint} did not answer the registration`);
    const reply = decodeToPool(first);
    if (reply.type === 'rejected') throw errorFromJson(reply.error);
    if (reply.type !== 'registered') throw new InterchangeFailedError('pool', `answered the registration with "${reply.type}"`);
    this.options.log(`registered with ${endpoint} as ${this.poolId} (${this.options.workers} workers)`);
    this._state = 'RUNNING';
    this.lastHeardMs = Date.now();
    this.runningSinceMs = this.lastHeardMs;
    this.dispatch();
    this.timers.push(setInterval(() => this.heartbeat(), this.options.heartbeatPeriodMs));
    if (this.options.drainPeriodMs !== undefined) this.timers.push(setTimeout(() => this.drain('drain period reached'), this.options.drainPeriodMs));
    this.scheduleWalltimeDrain();
    void this.receiveLoop();
  }

  /** Resolves when the pool stopped (shutdown, drained, or the interchange was lost). */
  done(): Promise<void> {
    return this.exited;
  }

  /** Stop: workers get SIGTERM (their running commands are killed), then SIGKILL. Safe twice. */
  stop(reason: string): Promise<void> {
    this.stopPromise ??= this.doStop(reason);
    return this.stopPromise;
  }

  private async doStop(reason: string): Promise<void> {
    this.options.log(`stopping: ${reason}`);
    this._state = 'STOPPING';
    for (const t of this.timers) clearTimeout(t);
    const exits = this.slots.filter((s): s is WorkerSlot => s !== undefined).map((s) => terminate(s.child, 2000));
    await Promise.allSettled(exits);
    this.flush();
    await Promise.race([this.writer?.flushed(), new Promise((r) => setTimeout(r, 200))]);
    this.writer?.close();
    this.socket?.close();
    if (this.workerLog !== undefined) closeSync(this.workerLog);
    this._state = 'STOPPED';
    this.resolveExited();
  }

  /** Try every address; the first whose interchange answers a probe wins (hosts differ per site). */
  private async probe(curve: CurveClientOptions): Promise<string> {
    const deadline = Date.now() + (this.connectTimeoutMs);
    const endpoints = this.options.addresses.map((a) => `tcp://${a.includes(':') && !a.startsWith('[') ? `[${a}]` : a}:${this.options.port}`);
    const sockets = endpoints.map((ep) => {
      const s = new this.zmq.Dealer({ linger: 0, ...curve });
      s.connect(ep);
      return s;
    });
    try {
      const winner = await new Promise<string | undefined>((resolve) => {
        let left = sockets.length;
        const timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
        sockets.forEach((s, i) => {
          void (async () => {
            try {
              await s.send(encode({ type: 'probe' }));
              const [frame] = await s.receive();
              if (frame && decodeToPool(frame).type === 'probeAck') {
                clearTimeout(timer);
                resolve(endpoints[i]);
                return;
              }
            } catch {
              // closed or refused: another address may answer
            }
            if (--left === 0) {
              clearTimeout(timer);
              resolve(undefined);
            }
          })();
        });
      });
      if (winner === undefined) {
        throw new InterchangeFailedError('pool', `did not answer at ${endpoints.join(', ')} within ${Math.round((this.connectTimeoutMs) / 1000)} s (wrong address, firewall, or certificates?)`);
      }
      return winner;
    } finally {
      for (const s of sockets) s.close();
    }
  }

  private async receiveOne(timeoutMs: number): Promise<Buffer | undefined> {
    this.socket.receiveTimeout = timeoutMs;
    try {
      const [frame] = await this.socket.receive();
      return frame;
    } catch {
      return undefined;
    } finally {
      this.socket.receiveTimeout = -1;
    }
  }

  private async receiveLoop(): Promise<void> {
    try {
      const heard = () => {
        this.lastHeardMs = Date.now();
      };
      await receiveMessages(this.socket, decodeToPool, this.options.log, heard, (m) => {
        switch (m.type) {
          case 'tasks':
            for (const t of m.tasks) this.pending.push(t);
            if (this._state === 'STOPPING') this.options.log(`${m.tasks.length} task(s) arrived while stopping: not started (the interchange fails them with ManagerLost once it drops this pool)`);
            this.dispatch();
            break;
          case 'cancel':
            this.cancel(m.ids);
            break;
          case 'drain':
            this.drain('the interchange asked to drain');
            break;
          case 'shutdown':
            void this.stop('the interchange asked to shut down');
            return false;
          case 'heartbeat':
          case 'registered':
          case 'probeAck':
          case 'rejected':
            break;
        }
      });
    } catch (err) {
      if (this._state === 'RUNNING' || this._state === 'DRAINING') void this.stop(`receive failed: ${String(err)}`);
    }
  }

  private send(m: FromPool): void {
    this.writer.write([encode(m)]);
  }

  /**
   * drain_before_walltime: drain that long before the block's end; just before the end (half the
   * drain window, at most 5 s: the results must leave before Slurm signals the block), fail what
   * still runs with BlockWalltimeError and leave.
   */
  private scheduleWalltimeDrain(): void {
    const { blockWalltimeMs, drainBeforeEndMs } = this.options;
    if (blockWalltimeMs === undefined || drainBeforeEndMs === undefined) return;
    const endMs = (this.options.blockStartMs ?? this.runningSinceMs) + blockWalltimeMs;
    const now = Date.now();
    const drainIn = Math.max(0, endMs - drainBeforeEndMs - now);
    const expireIn = Math.max(drainIn, endMs - Math.min(5000, drainBeforeEndMs / 2) - now);
    this.options.log(`drains in ${Math.round(drainIn / 1000)} s, ${Math.round(drainBeforeEndMs / 1000)} s before the block's walltime`);
    this.longTimeout(() => this.drain(`${Math.round(drainBeforeEndMs / 1000)} s before the block's walltime`), drainIn);
    this.longTimeout(() => this.expire(), expireIn);
  }

  /** setTimeout for delays beyond its 24.8-day limit (walltimes may be longer): re-armed in steps. */
  private longTimeout(fn: () => void, delayMs: number): void {
    const step = Math.min(delayMs, 2 ** 31 - 1);
    this.timers.push(setTimeout(() => (delayMs > step ? this.longTimeout(fn, delayMs - step) : fn()), step));
  }

  private expire(): void {
    if (this._state !== 'RUNNING' && this._state !== 'DRAINING') return;
    const held = [...this.pending, ...this.slots.flatMap((slot) => slot?.tasks ?? [])];
    const walltimeSec = (this.options.blockWalltimeMs ?? 0) / 1000;
    const drainSec = (this.options.drainBeforeEndMs ?? 0) / 1000;
    this.options.log(`the block's walltime is reached: ${held.length} task(s) still here fail with BlockWalltimeError`);
    for (const t of held) this.results.push({ id: t.id, ok: false, error: errorToJson(new BlockWalltimeError(t.taskId, this.options.blockId, walltimeSec, drainSec)) });
    this.pending = [];
    for (const slot of this.slots) if (slot) this.setTasks(slot, []);
    this.flush();
    this.send({ type: 'drained', usage: this.usage() });
    void this.stop('the block reached its walltime');
  }

  /** Worker-seconds since the pool started running: busy while a worker holds a task, idle while a ready one does not. */
  usage(): PoolUsage {
    const now = Date.now();
    if (this.runningSinceMs === 0) return { busyWorkerSec: 0, idleWorkerSec: 0 };
    let busy = this.busyMs;
    for (const since of this.busySince) if (since > 0) busy += now - since;
    let total = 0;
    for (const since of this.readySince) if (since > 0) total += now - Math.max(since, this.runningSinceMs);
    return { busyWorkerSec: busy / 1000, idleWorkerSec: Math.max(0, total - busy) / 1000 };
  }

  /** Every change of a worker's task list goes through here, for the busy/idle accounting. */
  private setTasks(slot: WorkerSlot, tasks: WireTask[]): void {
    slot.tasks = tasks;
    this.noteBusy(slot);
  }

  private noteBusy(slot: WorkerSlot): void {
    const since = this.busySince[slot.index] ?? 0;
    if (slot.tasks.length > 0 && since === 0) this.busySince[slot.index] = Date.now();
    else if (slot.tasks.length === 0 && since > 0) {
      this.busyMs += Date.now() - since;
      this.busySince[slot.index] = 0;
    }
  }

  private heartbeat(): void {
    if (Date.now() - this.lastHeardMs > this.options.heartbeatThresholdMs) {
      void this.stop(`no message from the interchange for ${this.options.heartbeatThresholdMs} ms: it is gone`);
      return;
    }
    this.send({ type: 'heartbeat', usage: this.usage() });
  }

  private drain(reason: string): void {
    if (this._state !== 'RUNNING') return;
    this.options.log(`draining: ${reason}`);
    this._state = 'DRAINING';
    this.send({ type: 'draining' });
    this.maybeDrained();
  }

  private maybeDrained(): void {
    if (this._state !== 'DRAINING' || this.pending.length > 0) return;
    if (this.slots.some((s) => s && s.tasks.length > 0)) return;
    this.flush();
    this.send({ type: 'drained', usage: this.usage() });
    void this.stop('drained');
  }

  /**
   * A task still queued in the pool is dropped and answered at once (a `cancelledResult`, which
   * frees its place in the interchange's books); one a worker holds is cancelled by that worker,
   * which answers for it. Ids this pool does not hold (already answered) are ignored.
   */
  private cancel(ids: number[]): void {
    if (this._state !== 'RUNNING' && this._state !== 'DRAINING') return;
    const wanted = new Set(ids);
    let dropped = 0;
    if (this.pending.length > 0) {
      const kept: WireTask[] = [];
      for (const t of this.pending) {
        if (wanted.has(t.id)) {
          wanted.delete(t.id);
          this.results.push(cancelledResult(t.id));
          dropped++;
        } else {
          kept.push(t);
        }
      }
      this.pending = kept;
    }
    let forwarded = 0;
    for (const slot of this.slots) {
      if (!slot || wanted.size === 0) continue;
      const here: number[] = [];
      for (const t of slot.tasks) {
        if (wanted.has(t.id)) {
          wanted.delete(t.id);
          here.push(t.id);
          this.cancelled.add(t.id);
        }
      }
      if (here.length === 0) continue;
      forwarded += here.length;
      slot.child.send({ type: 'cancel', ids: here });
    }
    this.options.log(`cancel: ${dropped} queued task(s) dropped, ${forwarded} passed on to workers`);
    if (dropped > 0) {
      this.scheduleFlush();
      this.dispatch();
      if (this._state === 'DRAINING') this.maybeDrained();
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private startWorker(index: number): void {
    const id = `${this.poolId}/w${index}`;
    const log = this.workerLog ?? 'ignore';
    // stdout/stderr to the log file, not pipes: piped stdio slows every spawn when several Node
    // processes spawn at once (docs/measurements.md); the IPC channel carries the batches.
    // 'advanced' (structured clone): task inputs and results may hold exact integers (BigInt), which
    // 'json' cannot carry; the messages are plain data, and it was no slower (docs/htex-protocol.md).
    const child = fork(WORKER_MODULE, [id, ...(this.options.workerModules ?? [])], { stdio: ['ignore', log, log, 'ipc'], serialization: 'advanced' });
    const slot: WorkerSlot = { index, id, child, ready: false, tasks: [] };
    this.slots[index] = slot;
    child.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        slot.ready = true;
        this.readySince[index] ||= Date.now();
        this.dispatch();
      } else if (m.type === 'results') {
        this.onWorkerResults(slot, m.results);
      }
    });
    child.once('exit', (code, sig) => this.onWorkerExit(slot, code, sig));
  }

  private onWorkerResults(slot: WorkerSlot, results: WireResult[]): void {
    // Workers answer in order, so a result is nearly always the head of the slot's list; a task
    // cancelled while queued in the worker is answered at once, ahead of the task running.
    for (const r of results) {
      if (slot.tasks[0]?.id === r.id) slot.tasks.shift();
      else {
        const i = slot.tasks.findIndex((t) => t.id === r.id);
        if (i >= 0) slot.tasks.splice(i, 1);
      }
      if (this.cancelled.size > 0) this.cancelled.delete(r.id);
      this.results.push(r);
    }
    this.noteBusy(slot);
    this.scheduleFlush();
    this.dispatch();
    if (this._state === 'DRAINING') this.maybeDrained();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.results.length === 0) return;
    const batch = this.results;
    this.results = [];
    this.send({ type: 'results', results: batch });
  }

  private onWorkerExit(slot: WorkerSlot, code: number | null, sig: NodeJS.Signals | null): void {
    if (this.slots[slot.index] !== slot) return;
    if (this._state === 'STOPPING' || this._state === 'STOPPED') return;
    const reason = `its process exited (${sig ?? `code ${code}`})`;
    this.options.log(`worker ${slot.id} died: ${reason}; restarting it`);
    const [running, ...queued] = slot.tasks;
    if (running) {
      this.results.push({ id: running.id, ok: false, error: errorToJson(new WorkerLostError(slot.id, running.taskId, reason)), run: { worker: slot.id, endedAt: Date.now() } });
      this.flush();
    }
    if (running) this.cancelled.delete(running.id);
    // Tasks that had not started go back to the front of the queue, in order; cancelled ones are
    // answered instead.
    const requeued: WireTask[] = [];
    for (const t of queued) {
      if (this.cancelled.delete(t.id)) this.results.push(cancelledResult(t.id));
      else requeued.push(t);
    }
    if (requeued.length < queued.length) this.scheduleFlush();
    this.setTasks(slot, []);
    this.pending = [...requeued, ...this.pending];
    this.restarts++;
    this.startWorker(slot.index);
  }

  private dispatch(): void {
    // A stopping pool (SIGTERM from the batch system, lost interchange) starts nothing more: its
    // workers are stopping and would fail a new task at once, and the kernel's retry of it would
    // come straight back here while the interchange still counts this pool, burning every retry in
    // a few ms. Left unanswered, such tasks fail with ManagerLost once the interchange drops the
    // pool, so their retry goes to another block.
    if (this.pending.length === 0 || this._state === 'STOPPING' || this._state === 'STOPPED') return;
    for (const slot of this.slots) {
      if (!slot || !slot.ready || this.pending.length === 0) continue;
      const room = this.perWorkerCap - slot.tasks.length;
      if (room <= 0) continue;
      const batch = this.pending.splice(0, room);
      for (const t of batch) slot.tasks.push(t);
      this.noteBusy(slot);
      slot.child.send({ type: 'tasks', tasks: batch });
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
