/**
 * A simulated worker pool for the scale simulation (docs/scale.md): it speaks the real pool
 * protocol to a real interchange (probe, register, heartbeats both ways, task batches, result
 * batches, cancel, drain, shutdown) with the messages, codecs, certificates and socket writer of
 * src/executors/htex, but runs no worker processes: its `workers` slots finish each task at once or
 * after `delayMs`. Everything on the wire is what `parsl-cwl pool` (src/executors/htex/pool.ts)
 * would send, so the bench follows the protocol as it changes; only the workers are pretend.
 *
 * Many of these share one process and one ZeroMQ context (hundreds of sockets), so a few processes
 * can stand for thousands of nodes on a 2-core machine.
 */
import type * as Zmq from 'zeromq';
import { packageVersion } from '../../src/util/index.js';
import {
  PROTOCOL_VERSION,
  cancelledResult,
  decodeToPool,
  encode,
  receiveMessages,
  type FromPool,
  type Registration,
  type WireResult,
  type WireTask,
} from '../../src/executors/htex/protocol.js';
import { SocketWriter } from '../../src/executors/htex/socketWriter.js';

export interface SimulatedPoolOptions {
  zmq: typeof Zmq;
  context: Zmq.Context;
  endpoint: string;
  curve: { curveServerKey?: string; curvePublicKey?: string; curveSecretKey?: string };
  poolId: string;
  blockId: string;
  workers: number;
  prefetch: number;
  /** How long each simulated task takes; 0 answers in the turn the batch arrived. */
  delayMs: number;
  heartbeatPeriodMs: number;
  heartbeatThresholdMs: number;
  /** Called with the kernel task id of every task this pool finished (exactly-once checks). */
  ran: (taskId: number) => void;
  log: (line: string) => void;
}

export interface SimulatedPoolStats {
  tasks: number;
  /** Interchange heartbeats that came later than twice the period after the previous one. */
  lateHeartbeats: number;
  /** The longest gap between two messages from the interchange once registered, ms. */
  maxSilenceMs: number;
  /** Told to shut down by the interchange before the bench ended (a pool it dropped). */
  shutDownEarly: boolean;
  registeredAtMs: number;
}

export class SimulatedPool {
  private socket!: Zmq.Dealer;
  private writer!: SocketWriter;
  private readonly queued: WireTask[] = [];
  private queueHead = 0;
  private busy = 0;
  private results: WireResult[] = [];
  private flushScheduled = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private lastHeardMs = 0;
  private lastHeartbeatMs = 0;
  private stopped = false;
  private draining = false;
  readonly stats: SimulatedPoolStats = { tasks: 0, lateHeartbeats: 0, maxSilenceMs: 0, shutDownEarly: false, registeredAtMs: 0 };

  constructor(private readonly o: SimulatedPoolOptions) {}

  /** Probe, connect, register (as pool.ts does); resolves once the interchange answered `registered`. */
  async start(): Promise<void> {
    const { zmq, context, curve, endpoint } = this.o;
    const probe = new zmq.Dealer({ context, linger: 0, ...curve });
    try {
      probe.connect(endpoint);
      await probe.send(encode({ type: 'probe' }));
      const [frame] = await probe.receive();
      if (!frame || decodeToPool(frame).type !== 'probeAck') throw new Error(`pool ${this.o.poolId}: no probeAck`);
    } finally {
      probe.close();
    }
    this.socket = new zmq.Dealer({ context, routingId: this.o.poolId, linger: 0, ...curve });
    this.socket.connect(endpoint);
    this.writer = new SocketWriter(this.socket, (err) => this.o.log(`${this.o.poolId}: send failed: ${String(err)}`));
    const registration: Registration = {
      poolId: this.o.poolId,
      blockId: this.o.blockId,
      hostname: `sim-${this.o.blockId}`,
      workers: this.o.workers,
      prefetch: this.o.prefetch,
      packageVersion: packageVersion(),
      nodeVersion: process.version,
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
    };
    this.send({ type: 'register', registration });
    const [first] = await this.socket.receive();
    const reply = first ? decodeToPool(first) : undefined;
    if (reply?.type !== 'registered') throw new Error(`pool ${this.o.poolId}: registration answered with ${reply?.type ?? 'nothing'}`);
    this.stats.registeredAtMs = Date.now();
    this.lastHeardMs = this.lastHeartbeatMs = Date.now();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.o.heartbeatPeriodMs);
    void this.receiveLoop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.writer?.close();
    this.socket?.close();
  }

  private send(m: FromPool): void {
    this.writer.write([encode(m)]);
  }

  private heartbeat(): void {
    if (Date.now() - this.lastHeardMs > this.o.heartbeatThresholdMs) {
      this.o.log(`${this.o.poolId}: no message from the interchange for ${this.o.heartbeatThresholdMs} ms`);
      this.stats.shutDownEarly = true;
      this.stop();
      return;
    }
    this.send({ type: 'heartbeat' });
  }

  private async receiveLoop(): Promise<void> {
    const heard = (): void => {
      const now = Date.now();
      this.stats.maxSilenceMs = Math.max(this.stats.maxSilenceMs, now - this.lastHeardMs);
      this.lastHeardMs = now;
    };
    try {
      await receiveMessages(this.socket, decodeToPool, this.o.log, heard, (m) => {
        switch (m.type) {
          case 'tasks':
            for (const t of m.tasks) this.queued.push(t);
            this.run();
            break;
          case 'cancel':
            this.cancel(m.ids);
            break;
          case 'heartbeat': {
            const now = Date.now();
            if (now - this.lastHeartbeatMs > 2 * this.o.heartbeatPeriodMs) this.stats.lateHeartbeats++;
            this.lastHeartbeatMs = now;
            break;
          }
          case 'drain':
            this.draining = true;
            this.send({ type: 'draining' });
            this.maybeDrained();
            break;
          case 'shutdown':
            if (!this.stopped) this.stats.shutDownEarly = true;
            this.stop();
            return false;
          case 'registered':
          case 'probeAck':
          case 'rejected':
            break;
        }
      });
    } catch (err) {
      if (!this.stopped) this.o.log(`${this.o.poolId}: receive failed: ${String(err)}`);
    }
  }

  /** Start as many queued tasks as there are free workers; each group finishes together. */
  private run(): void {
    const free = this.o.workers - this.busy;
    const n = Math.min(free, this.queued.length - this.queueHead);
    if (n <= 0) return;
    const group = this.queued.slice(this.queueHead, this.queueHead + n);
    this.queueHead += n;
    if (this.queueHead === this.queued.length) {
      this.queued.length = 0;
      this.queueHead = 0;
    }
    if (this.o.delayMs <= 0) {
      this.finish(group);
      return;
    }
    this.busy += n;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.busy -= n;
      this.finish(group);
    }, this.o.delayMs);
    this.timers.add(timer);
  }

  private finish(group: WireTask[]): void {
    if (this.stopped) return;
    for (const t of group) {
      this.o.ran(t.taskId);
      this.results.push({ id: t.id, ok: true, outcome: { kind: 'noop' } });
    }
    this.stats.tasks += group.length;
    this.scheduleFlush();
    this.run();
  }

  private cancel(ids: number[]): void {
    const wanted = new Set(ids);
    const kept: WireTask[] = [];
    for (let i = this.queueHead; i < this.queued.length; i++) {
      const t = this.queued[i] as WireTask;
      if (wanted.has(t.id)) this.results.push(cancelledResult(t.id));
      else kept.push(t);
    }
    this.queued.length = 0;
    this.queueHead = 0;
    for (const t of kept) this.queued.push(t);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.stopped || this.results.length === 0) return;
      const results = this.results;
      this.results = [];
      this.send({ type: 'results', results });
      this.maybeDrained();
    });
  }

  private maybeDrained(): void {
    if (!this.draining || this.busy > 0 || this.queued.length > this.queueHead) return;
    this.send({ type: 'drained' });
    void this.writer.flushed().then(() => this.stop());
  }
}
