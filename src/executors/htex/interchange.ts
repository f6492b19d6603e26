/**
 * The interchange (its own process): queues the executor's tasks and hands them to registered
 * pools as capacity frees up, forwards result batches, tracks heartbeats both ways, drops a pool
 * that went silent (its tasks fail with ManagerLost), answers the command channel, and cancels tasks
 * the executor gave up on (dropped from the queue, or passed on to the pool that holds them).
 *
 * It connects to the executor (which binds, CurveZMQ server) and binds one ROUTER for pools
 * (CurveZMQ server; each pool's DEALER connects with its pool id as routing id).
 */
import { errorToJson, packageVersion } from '../../util/index.js';
import type * as Zmq from 'zeromq';
import { ManagerLostError } from '../errors.js';
import { loadClientKeys, loadServerKeys } from './certificates.js';
import { VersionMismatchError } from './errors.js';
import {
  PROTOCOL_VERSION,
  decodeFromPool,
  decodeToInterchange,
  encode,
  type CommandReply,
  type CommandRequest,
  type FromInterchange,
  type ManagerInfo,
  type PoolUsage,
  type Registration,
  type ToPool,
  type WireResult,
  type WireTask,
  receiveMessages,
} from './protocol.js';
import { SocketWriter } from './socketWriter.js';
import { startZapAuthenticator, type ZapAuthenticator } from './zapAuthenticator.js';

export interface InterchangeOptions {
  /** The executor's endpoint, e.g. tcp://127.0.0.1:41234. */
  clientAddress: string;
  /**
   * Where pools connect: `tcp://<interface>:<port>`, port `*` for any free one; several endpoints
   * separated by commas share the first one's port (the addresses the executor gives the pools).
   */
  workerBind: string;
  certDir: string | null;
  heartbeatPeriodMs: number;
  heartbeatThresholdMs: number;
  log: (line: string) => void;
}

export type InterchangeState = 'INITIALIZED' | 'RUNNING' | 'STOPPING' | 'STOPPED';

/**
 * Status reports caused by pools coming or going are sent at most this often (the periodic one
 * still goes every heartbeat period). Each report lists every pool, so one per registration made a
 * registration storm quadratic: 2,048 pools meant 2,048 reports of up to 2,048 entries, ~9 s of
 * interchange CPU and hundreds of MB of queued frames (docs/scale.md).
 */
const STATUS_MIN_INTERVAL_MS = 100;

interface Manager {
  registration: Registration;
  identity: Buffer;
  tasks: Set<number>;
  capacity: number;
  lastHeardMs: number;
  idleSinceMs: number;
  held: boolean;
  draining: boolean;
  /** The pool's worker-seconds as it last reported them (heartbeat, drained). */
  usage?: PoolUsage;
}

export class Interchange {
  private _state: InterchangeState = 'INITIALIZED';
  private zmq!: typeof Zmq;
  private client!: Zmq.Dealer;
  private clientWriter!: SocketWriter;
  private pools!: Zmq.Router;
  private poolWriter!: SocketWriter;
  private zap: ZapAuthenticator | undefined;
  private readonly managers = new Map<string, Manager>();
  /**
   * Managers that can take a task now (not held or draining, room left), in the order they got
   * room: dispatch walks only these, not every pool, and a pool that was just served goes to the
   * back, so a long queue is spread round-robin. Kept up to date by `updateReady`.
   */
  private readonly ready = new Set<Manager>();
  private queue: WireTask[] = [];
  private queueHead = 0;
  /** Which manager runs each task id. */
  private readonly placement = new Map<number, Manager>();
  private lastClientMs = Date.now();
  private clientSilenceLogged = false;
  private timer: NodeJS.Timeout | undefined;
  private stopPromise: Promise<void> | undefined;
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private resultsToClient: WireResult[] = [];
  private clientFlushScheduled = false;
  private lastStatusMs = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  workerPort = 0;

  constructor(private readonly options: InterchangeOptions) {
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  get state(): InterchangeState {
    return this._state;
  }

  async start(): Promise<void> {
    this.zmq = await import('zeromq');
    const { certDir, log } = this.options;
    let clientCurve = {};
    let serverCurve = {};
    if (certDir) {
      const [server, client] = await Promise.all([loadServerKeys(certDir), loadClientKeys(certDir)]);
      this.zap = await startZapAuthenticator(this.zmq, server.clientPublicKey, log);
      // zapEnforceDomain: without a ZAP handler bound (while stopping, below) handshakes are refused, not let in.
      serverCurve = { curveServer: true, curveSecretKey: server.server.secretKey, curvePublicKey: server.server.publicKey, zapDomain: 'parsl-cwl', zapEnforceDomain: true };
      clientCurve = { curveServerKey: client.serverPublicKey, curvePublicKey: client.client.publicKey, curveSecretKey: client.client.secretKey };
    }
    this.pools = new this.zmq.Router({ linger: 0, mandatory: false, ...serverCurve });
    const [first = 'tcp://*:*', ...rest] = this.options.workerBind.split(',');
    await this.pools.bind(first);
    this.workerPort = Number(/:(\d+)$/.exec(this.pools.lastEndpoint ?? '')?.[1] ?? 0);
    for (const endpoint of rest) await this.pools.bind(endpoint.replace(/:\*$/, `:${this.workerPort}`));
    log(`pools connect to ${[first, ...rest].map((e) => e.replace(/:\*$/, `:${this.workerPort}`)).join(', ')}`);
    this.poolWriter = new SocketWriter(this.pools, (err) => log(`send to a pool failed: ${String(err)}`));
    this.client = new this.zmq.Dealer({ linger: 0, ...clientCurve });
    this.client.connect(this.options.clientAddress);
    this.clientWriter = new SocketWriter(this.client, (err) => log(`send to the executor failed: ${String(err)}`));
    this._state = 'RUNNING';
    this.toClient({ type: 'ready', workerPort: this.workerPort, pid: process.pid });
    log(`listening for pools on ${this.pools.lastEndpoint}${certDir ? ' (CurveZMQ)' : ' (UNENCRYPTED)'}`);
    this.timer = setInterval(() => this.tick(), this.options.heartbeatPeriodMs);
    void this.clientLoop();
    void this.poolLoop();
  }

  /** Resolves once stopped. */
  done(): Promise<void> {
    return this.stopped;
  }

  /** Tell pools to shut down, then close. Safe twice. */
  stop(reason: string): Promise<void> {
    this.stopPromise ??= this.doStop(reason);
    return this.stopPromise;
  }

  private async doStop(reason: string): Promise<void> {
    this.options.log(`stopping: ${reason}`);
    this._state = 'STOPPING';
    if (this.timer) clearInterval(this.timer);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    for (const m of this.managers.values()) this.toPool(m.identity, { type: 'shutdown' });
    this.flushResults();
    await Promise.race([Promise.all([this.poolWriter?.flushed(), this.clientWriter?.flushed()]), new Promise((r) => setTimeout(r, 500))]);
    this.poolWriter?.close();
    this.clientWriter?.close();
    // The ZAP handler before the CURVE server socket: the other order, with handshakes waiting on
    // ZAP, aborted the process in libzmq 4.3.5 (pipe.cpp:355; see interchangeLink.ts).
    await this.zap?.close();
    this.pools?.close();
    this.client?.close();
    this._state = 'STOPPED';
    this.resolveStopped();
  }

  private toClient(m: FromInterchange): void {
    this.clientWriter.write([encode(m)]);
  }

  private toPool(identity: Buffer, m: ToPool): void {
    this.poolWriter.write([identity, encode(m)]);
  }

  private queueResults(results: WireResult[]): void {
    for (const r of results) this.resultsToClient.push(r);
    if (!this.clientFlushScheduled) {
      this.clientFlushScheduled = true;
      setImmediate(() => this.flushResults());
    }
  }

  private flushResults(): void {
    this.clientFlushScheduled = false;
    if (this.resultsToClient.length === 0) return;
    const results = this.resultsToClient;
    this.resultsToClient = [];
    this.toClient({ type: 'results', results });
  }

  private async clientLoop(): Promise<void> {
    try {
      const heard = () => {
        this.lastClientMs = Date.now();
      };
      await receiveMessages(this.client, decodeToInterchange, this.options.log, heard, (m) => {
        switch (m.type) {
          case 'tasks':
            for (const t of m.tasks) this.queue.push(t);
            this.dispatch();
            break;
          case 'command':
            this.toClient({ type: 'commandReply', requestId: m.requestId, reply: this.command(m.request) });
            break;
          case 'cancel':
            this.cancel(m.ids);
            break;
          case 'shutdown':
            void this.stop('the executor asked to shut down');
            return false;
          case 'heartbeat':
            break;
        }
      });
    } catch (err) {
      if (this._state === 'RUNNING') void this.stop(`the executor link failed: ${String(err)}`);
    }
  }

  private async poolLoop(): Promise<void> {
    try {
      for await (const [identity, frame] of this.pools) {
        if (!identity || !frame) continue;
        let m;
        try {
          m = decodeFromPool(frame);
        } catch (err) {
          this.options.log(`from ${identity.toString()}: ${String(err)}`);
          continue;
        }
        const poolId = identity.toString();
        if (m.type === 'probe') {
          this.toPool(identity, { type: 'probeAck' });
          continue;
        }
        if (m.type === 'register') {
          this.register(identity, m.registration);
          continue;
        }
        const manager = this.managers.get(poolId);
        if (!manager) {
          // A pool we dropped (missed heartbeats) or never registered: it must not keep working.
          this.toPool(identity, { type: 'shutdown' });
          continue;
        }
        manager.lastHeardMs = Date.now();
        switch (m.type) {
          case 'results':
            for (const r of m.results) {
              manager.tasks.delete(r.id);
              this.placement.delete(r.id);
            }
            if (manager.tasks.size === 0) manager.idleSinceMs = Date.now();
            this.updateReady(manager);
            this.queueResults(m.results);
            this.dispatch();
            break;
          case 'draining':
            manager.draining = true;
            this.updateReady(manager);
            break;
          case 'drained':
            if (m.usage) manager.usage = m.usage;
            this.options.log(`pool ${poolId} drained and left`);
            this.forget(manager, 'it drained');
            break;
          case 'heartbeat':
            if (m.usage) manager.usage = m.usage;
            break;
        }
      }
    } catch (err) {
      if (this._state === 'RUNNING') void this.stop(`the pool socket failed: ${String(err)}`);
    }
  }

  private register(identity: Buffer, reg: Registration): void {
    const mismatch: string[] = [];
    if (reg.protocolVersion !== PROTOCOL_VERSION) mismatch.push(`protocol ${reg.protocolVersion} vs ${PROTOCOL_VERSION}`);
    if (reg.packageVersion !== packageVersion()) mismatch.push(`parsl-cwl ${reg.packageVersion} vs ${packageVersion()}`);
    if (majorOf(reg.nodeVersion) !== majorOf(process.version)) mismatch.push(`Node ${reg.nodeVersion} vs ${process.version}`);
    if (mismatch.length > 0) {
      const error = errorToJson(new VersionMismatchError(reg.poolId, reg.hostname, mismatch.join(', ')));
      this.options.log(`refused pool ${reg.poolId}: ${mismatch.join(', ')}`);
      this.toPool(identity, { type: 'rejected', error });
      this.toClient({ type: 'managerRejected', registration: reg, error });
      return;
    }
    const now = Date.now();
    const manager: Manager = {
      registration: reg,
      identity,
      tasks: new Set(),
      capacity: reg.workers + reg.prefetch,
      lastHeardMs: now,
      idleSinceMs: now,
      held: false,
      draining: false,
    };
    // A pool registering again under the same id (it restarted) replaces its old entry.
    const previous = this.managers.get(reg.poolId);
    if (previous) this.ready.delete(previous);
    this.managers.set(reg.poolId, manager);
    this.updateReady(manager);
    this.options.log(`pool ${reg.poolId} registered: block ${reg.blockId}, ${reg.hostname}, ${reg.workers} workers`);
    this.toPool(identity, { type: 'registered' });
    this.toClient({ type: 'managerRegistered', manager: reg });
    this.requestStatus();
    this.dispatch();
  }

  /** Keep `m`'s place in `ready` in step with whether it can take a task now. */
  private updateReady(m: Manager): void {
    const canTake = !m.held && !m.draining && m.capacity > m.tasks.size && this.managers.get(m.registration.poolId) === m;
    if (!canTake) this.ready.delete(m);
    else if (!this.ready.has(m)) this.ready.add(m);
  }

  /** Hand queued tasks to managers with free capacity, in batches. */
  private dispatch(): void {
    if (this.queueHead >= this.queue.length) return;
    // Only managers with room are visited; each leaves the set as it is filled (deleting while
    // iterating a Set is safe) and one left with room after the queue ran out goes to the back.
    for (const m of this.ready) {
      this.ready.delete(m);
      const room = m.capacity - m.tasks.size;
      const end = Math.min(this.queue.length, this.queueHead + room);
      const batch = this.queue.slice(this.queueHead, end);
      this.queueHead = end;
      for (const t of batch) {
        m.tasks.add(t.id);
        this.placement.set(t.id, m);
      }
      m.idleSinceMs = 0;
      this.toPool(m.identity, { type: 'tasks', tasks: batch });
      if (this.queueHead >= this.queue.length) {
        this.updateReady(m);
        break;
      }
    }
    if (this.queueHead >= this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      // Only once the consumed head is the larger part: a queue of a million tasks was copied
      // whole every 4,096 tasks dispatched, quadratic in the queue's length.
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /**
   * Tasks the executor cancelled: one still queued is dropped (never dispatched, no result); one a
   * pool holds is named in a `cancel` to that pool, and stays counted against the pool until the
   * pool answers for it (a dropped or stopped task comes back as a result, which the executor
   * ignores), so capacity, idleness and ManagerLost keep working as for any task. Ids already
   * finished are ignored.
   */
  private cancel(ids: number[]): void {
    const byManager = new Map<Manager, number[]>();
    let notPlaced: Set<number> | undefined;
    let forwarded = 0;
    for (const id of ids) {
      if (typeof id !== 'number') continue;
      const m = this.placement.get(id);
      if (m) {
        forwarded++;
        const list = byManager.get(m);
        if (list) list.push(id);
        else byManager.set(m, [id]);
      } else {
        (notPlaced ??= new Set()).add(id);
      }
    }
    let dropped = 0;
    if (notPlaced && this.queueHead < this.queue.length) {
      const before = this.queue.length - this.queueHead;
      const kept: WireTask[] = [];
      for (let i = this.queueHead; i < this.queue.length; i++) {
        const t = this.queue[i] as WireTask;
        if (!notPlaced.has(t.id)) kept.push(t);
      }
      this.queue = kept;
      this.queueHead = 0;
      dropped = before - kept.length;
    }
    for (const [m, list] of byManager) this.toPool(m.identity, { type: 'cancel', ids: list });
    if (dropped > 0) this.requestStatus();
    this.options.log(`cancel: ${dropped} task(s) dropped from the queue, ${forwarded} passed on to ${byManager.size} pool(s)`);
  }

  /** Drop a manager; its tasks fail with ManagerLost unless it left cleanly. */
  private forget(m: Manager, reason: string, lost = false): void {
    this.managers.delete(m.registration.poolId);
    this.ready.delete(m);
    // Its totals leave `status` with it: the executor keeps them (usage accounting, bench:elastic).
    if (m.usage) this.toClient({ type: 'poolUsage', poolId: m.registration.poolId, blockId: m.registration.blockId, usage: m.usage });
    if (lost && m.tasks.size > 0) {
      const error = errorToJson(new ManagerLostError(m.registration.poolId, m.registration.hostname, reason));
      const run = { manager: m.registration.poolId, endedAt: Date.now() };
      this.queueResults([...m.tasks].map((id) => ({ id, ok: false as const, error, run })));
    }
    for (const id of m.tasks) this.placement.delete(id);
    if (lost) {
      this.toClient({ type: 'managerLost', poolId: m.registration.poolId, blockId: m.registration.blockId, reason });
      this.toPool(m.identity, { type: 'shutdown' });
    }
    this.requestStatus();
    this.dispatch();
  }

  private tick(): void {
    const now = Date.now();
    // A silent executor whose process is alive is busy (a long synchronous loop) or hung: stopping
    // would fail its tasks once it resumes, and helps nothing if it hangs. Its death closes our
    // stdin, which stops this interchange (src/cli/interchange.ts); here it is only logged.
    if (now - this.lastClientMs > this.options.heartbeatThresholdMs) {
      if (!this.clientSilenceLogged) this.options.log(`no message from the executor for ${now - this.lastClientMs} ms: it is busy or hung; waiting for it`);
      this.clientSilenceLogged = true;
    } else this.clientSilenceLogged = false;
    for (const m of [...this.managers.values()]) {
      if (now - m.lastHeardMs > this.options.heartbeatThresholdMs) {
        this.options.log(`pool ${m.registration.poolId} missed heartbeats for ${now - m.lastHeardMs} ms: dropping it`);
        this.forget(m, `no heartbeat for ${Math.round((now - m.lastHeardMs) / 1000)} s (threshold ${this.options.heartbeatThresholdMs / 1000} s)`, true);
      } else {
        this.toPool(m.identity, { type: 'heartbeat' });
      }
    }
    this.toClient({ type: 'heartbeat' });
    this.sendStatus();
  }

  private managerInfos(): ManagerInfo[] {
    const now = Date.now();
    return [...this.managers.values()].map((m) => ({
      poolId: m.registration.poolId,
      blockId: m.registration.blockId,
      hostname: m.registration.hostname,
      workers: m.registration.workers,
      tasks: m.tasks.size,
      idleMs: m.tasks.size === 0 ? now - m.idleSinceMs : 0,
      held: m.held,
      draining: m.draining,
      lastHeartbeatAgoMs: now - m.lastHeardMs,
      ...(m.usage ? { busyWorkerSec: m.usage.busyWorkerSec, idleWorkerSec: m.usage.idleWorkerSec } : {}),
    }));
  }

  private sendStatus(): void {
    if (this.statusTimer) {
      clearTimeout(this.statusTimer);
      this.statusTimer = undefined;
    }
    this.lastStatusMs = Date.now();
    this.toClient({ type: 'status', queued: this.queue.length - this.queueHead, managers: this.managerInfos() });
  }

  /**
   * A status report because pools came or went: at once if none went out in the last
   * STATUS_MIN_INTERVAL_MS, else one report at the end of that interval for all the changes.
   */
  private requestStatus(): void {
    if (this.statusTimer || this._state !== 'RUNNING') return;
    const wait = this.lastStatusMs + STATUS_MIN_INTERVAL_MS - Date.now();
    if (wait <= 0) this.sendStatus();
    else this.statusTimer = setTimeout(() => this.sendStatus(), wait);
  }

  private command(request: CommandRequest): CommandReply {
    switch (request.command) {
      case 'managers':
        return { command: 'managers', managers: this.managerInfos() };
      case 'hold': {
        const m = this.managers.get(request.poolId);
        if (m) {
          m.held = true;
          this.updateReady(m);
        }
        return { command: 'hold', ok: m !== undefined };
      }
      case 'drain': {
        const m = this.managers.get(request.poolId);
        if (m) {
          m.draining = true;
          this.updateReady(m);
          this.toPool(m.identity, { type: 'drain' });
        }
        return { command: 'drain', ok: m !== undefined };
      }
      case 'holdBlockIfIdle': {
        const pools = [...this.managers.values()].filter((m) => m.registration.blockId === request.blockId);
        if (pools.some((m) => m.tasks.size > 0)) return { command: 'holdBlockIfIdle', held: false, pools: pools.length };
        for (const m of pools) m.held = true;
        return { command: 'holdBlockIfIdle', held: true, pools: pools.length };
      }
      case 'dropBlock': {
        const gone = [...this.managers.values()].filter((m) => m.registration.blockId === request.blockId);
        for (const m of gone) this.forget(m, request.reason, true);
        return { command: 'dropBlock', dropped: gone.length };
      }
    }
  }
}

function majorOf(version: string): string {
  return /^v?(\d+)/.exec(version)?.[1] ?? version;
}
