/**
 * Every HTEX message, declared once (docs/htex-protocol.md). Both ends of each link import this
 * module; messages are validated when received (`decode*`), so a malformed or foreign frame becomes
 * a ProtocolError instead of an undefined field deep in the interchange.
 *
 * Links:
 * - executor ⇄ interchange: one DEALER pair; the executor binds (CurveZMQ server), the interchange
 *   connects (client).
 * - interchange ⇄ pools: the interchange binds a ROUTER (CurveZMQ server); each pool connects a
 *   DEALER whose routing id is its pool id.
 *
 * Each message is one JSON frame. Tasks and results travel in batches: batching, not per-message
 * speed, is where throughput comes from: per-message overhead would otherwise cap the task rate
 * (docs/measurements.md).
 */
import { parseJson, stringifyJson, ErrorCode, type ErrorJson } from '../../util/index.js';
import type { TaskOutcome, TaskRunReport, TaskSpec } from '../executor.js';
import { ProtocolError } from './errors.js';

/**
 * Bumped whenever a message changes shape; registration refuses a different version.
 * 2: `cancel` (executor → interchange → pool → worker).
 * 3: task kind `cwl-job` became the generic `job` (`runner` names who runs it; outcome kind `job`).
 */
export const PROTOCOL_VERSION = 3;

/** One task on the wire: `id` is the executor's own sequence number (retries get a new id). */
export interface WireTask {
  id: number;
  /** The kernel's task id and attempt, for logs and error messages. */
  taskId: number;
  attempt: number;
  spec: TaskSpec;
}

/** `run`: what the worker (or the pool, the interchange for a lost one) tells about the try, for the run record. */
export type WireResult =
  | { id: number; ok: true; outcome: TaskOutcome; run?: TaskRunReport }
  | { id: number; ok: false; error: ErrorJson; run?: TaskRunReport };

/** What a pool tells the interchange about itself when it registers. */
export interface Registration {
  poolId: string;
  blockId: string;
  hostname: string;
  workers: number;
  /** Tasks the pool accepts beyond one per worker. */
  prefetch: number;
  packageVersion: string;
  nodeVersion: string;
  protocolVersion: number;
  pid: number;
}

/**
 * A connected manager (pool) as the command channel reports it.
 * @experimental May change before 1.0.
 */
export interface ManagerInfo {
  poolId: string;
  blockId: string;
  hostname: string;
  workers: number;
  /** Tasks sent to the pool and not yet returned. */
  tasks: number;
  /** ms since the pool last had no task (0 while busy). */
  idleMs: number;
  held: boolean;
  draining: boolean;
  lastHeartbeatAgoMs: number;
  /** Worker-seconds the pool's workers spent on tasks / waiting for one, as the pool last reported (absent until it did). */
  busyWorkerSec?: number;
  idleWorkerSec?: number;
}

/** A pool's worker-seconds since it started: busy (a worker held a task) and idle. */
export interface PoolUsage {
  busyWorkerSec: number;
  idleWorkerSec: number;
}

export type CommandRequest =
  | { command: 'managers' }
  | { command: 'hold'; poolId: string }
  | { command: 'drain'; poolId: string }
  /** Forget a block whose job ended; its pools' tasks fail with ManagerLost. */
  | { command: 'dropBlock'; blockId: string; reason: string }
  /**
   * Scale-in: hold every pool of the block, but only if none of them holds a task (checked and
   * done in one step, so no task is dispatched between the check and the hold).
   */
  | { command: 'holdBlockIfIdle'; blockId: string };

export type CommandReply =
  | { command: 'managers'; managers: ManagerInfo[] }
  | { command: 'hold'; ok: boolean }
  | { command: 'drain'; ok: boolean }
  | { command: 'dropBlock'; dropped: number }
  | { command: 'holdBlockIfIdle'; held: boolean; pools: number };

/** executor → interchange */
export type ToInterchange =
  | { type: 'tasks'; tasks: WireTask[] }
  | { type: 'heartbeat' }
  | { type: 'command'; requestId: number; request: CommandRequest }
  /**
   * The caller aborted these tasks (wire ids): drop them if still queued, stop them where they
   * run. Whatever result still comes back for them is ignored.
   */
  | { type: 'cancel'; ids: number[] }
  | { type: 'shutdown' };

/** interchange → executor */
export type FromInterchange =
  | { type: 'ready'; workerPort: number; pid: number }
  | { type: 'results'; results: WireResult[] }
  | { type: 'heartbeat' }
  /** Sent every heartbeat period and when a pool comes or goes: what the scaling strategy reads. */
  | { type: 'status'; queued: number; managers: ManagerInfo[] }
  | { type: 'commandReply'; requestId: number; reply: CommandReply }
  | { type: 'managerRegistered'; manager: Registration }
  | { type: 'managerRejected'; registration: Registration; error: ErrorJson }
  | { type: 'managerLost'; poolId: string; blockId: string; reason: string }
  /** A pool's last usage when it leaves (drained, lost, dropped): its totals are no longer in `status`. */
  | { type: 'poolUsage'; poolId: string; blockId: string; usage: PoolUsage };

/** pool → interchange */
export type FromPool =
  | { type: 'probe' }
  | { type: 'register'; registration: Registration }
  | { type: 'results'; results: WireResult[] }
  /** `usage`: the pool's worker-seconds so far (optional: pools before it did not send it). */
  | { type: 'heartbeat'; usage?: PoolUsage }
  /** The pool stops taking tasks (drain period reached, or told to drain); it exits once idle. */
  | { type: 'draining' }
  /** The pool finished its last task and exits: not a lost manager. */
  | { type: 'drained'; usage?: PoolUsage };

/** interchange → pool */
export type ToPool =
  | { type: 'probeAck' }
  | { type: 'registered' }
  | { type: 'rejected'; error: ErrorJson }
  | { type: 'tasks'; tasks: WireTask[] }
  /** Tasks of this pool that were cancelled: drop them if queued, abort them if running. */
  | { type: 'cancel'; ids: number[] }
  | { type: 'heartbeat' }
  | { type: 'drain' }
  | { type: 'shutdown' };

/** pool → worker process (Node IPC) */
export type ToWorker = { type: 'tasks'; tasks: WireTask[] } | { type: 'cancel'; ids: number[] } | { type: 'shutdown' };

/** worker process → pool (Node IPC) */
export type FromWorker = { type: 'ready' } | { type: 'results'; results: WireResult[] };

/**
 * The result a pool or worker sends for a task it dropped or stopped on a `cancel`: it releases the
 * task's place in the pool's and the interchange's books. The executor already rejected the task
 * with the caller's abort reason and ignores this result.
 */
export function cancelledResult(id: number): WireResult {
  return { id, ok: false, error: CANCELLED_ERROR };
}

const CANCELLED_ERROR: ErrorJson = Object.freeze({ code: ErrorCode.Internal, name: 'TaskCancelled', message: 'cancelled by the executor' });

export function encode(message: ToInterchange | FromInterchange | FromPool | ToPool): string {
  // Exact JSON: task inputs and results may hold BigInts (src/util/exactJson.ts).
  return stringifyJson(message);
}

type Checker = (m: Record<string, unknown>) => boolean;

const isArray = (v: unknown): boolean => Array.isArray(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): boolean => typeof v === 'string';

function isUsage(v: unknown): boolean {
  return isObject(v) && isNumber(v.busyWorkerSec) && isNumber(v.idleWorkerSec);
}

function isRegistration(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.poolId) &&
    isString(v.blockId) &&
    isString(v.hostname) &&
    isNumber(v.workers) &&
    isNumber(v.prefetch) &&
    isString(v.packageVersion) &&
    isString(v.nodeVersion) &&
    isNumber(v.protocolVersion) &&
    isNumber(v.pid)
  );
}

// Batches are checked at the envelope level only: the per-item shape is checked where each item is
// used (a task spec by the task runner, a result by the executor), so a 10,000-task batch is not
// walked twice on the hot path.
const toInterchange: Record<ToInterchange['type'], Checker> = {
  tasks: (m) => isArray(m.tasks),
  heartbeat: () => true,
  command: (m) => isNumber(m.requestId) && isObject(m.request) && isString(m.request.command),
  cancel: (m) => isArray(m.ids),
  shutdown: () => true,
};
const fromInterchange: Record<FromInterchange['type'], Checker> = {
  ready: (m) => isNumber(m.workerPort) && isNumber(m.pid),
  results: (m) => isArray(m.results),
  heartbeat: () => true,
  status: (m) => isNumber(m.queued) && isArray(m.managers),
  commandReply: (m) => isNumber(m.requestId) && isObject(m.reply),
  managerRegistered: (m) => isRegistration(m.manager),
  managerRejected: (m) => isRegistration(m.registration) && isObject(m.error),
  managerLost: (m) => isString(m.poolId) && isString(m.blockId) && isString(m.reason),
  poolUsage: (m) => isString(m.poolId) && isString(m.blockId) && isUsage(m.usage),
};
const fromPool: Record<FromPool['type'], Checker> = {
  probe: () => true,
  register: (m) => isRegistration(m.registration),
  results: (m) => isArray(m.results),
  heartbeat: (m) => m.usage === undefined || isUsage(m.usage),
  draining: () => true,
  drained: (m) => m.usage === undefined || isUsage(m.usage),
};
const toPool: Record<ToPool['type'], Checker> = {
  probeAck: () => true,
  registered: () => true,
  rejected: (m) => isObject(m.error),
  tasks: (m) => isArray(m.tasks),
  cancel: (m) => isArray(m.ids),
  heartbeat: () => true,
  drain: () => true,
  shutdown: () => true,
};

function decodeWith<T>(link: string, checkers: Record<string, Checker>, frame: Buffer | string): T {
  let parsed: unknown;
  try {
    parsed = parseJson(typeof frame === 'string' ? frame : frame.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(link, 'a frame is not JSON', { cause: err });
  }
  if (!isObject(parsed) || typeof parsed.type !== 'string') throw new ProtocolError(link, 'a message has no "type"');
  const check = Object.hasOwn(checkers, parsed.type) ? checkers[parsed.type] : undefined;
  if (!check) throw new ProtocolError(link, `unknown message type "${parsed.type}"`);
  if (!check(parsed)) throw new ProtocolError(link, `malformed "${parsed.type}" message`);
  return parsed as T;
}

export const decodeToInterchange = (f: Buffer | string): ToInterchange => decodeWith('executor→interchange', toInterchange, f);
export const decodeFromInterchange = (f: Buffer | string): FromInterchange => decodeWith('interchange→executor', fromInterchange, f);
export const decodeFromPool = (f: Buffer | string): FromPool => decodeWith('pool→interchange', fromPool, f);
export const decodeToPool = (f: Buffer | string): ToPool => decodeWith('interchange→pool', toPool, f);

/**
 * Reads a DEALER socket's messages until it closes or `handle` returns false. Each frame counts as
 * heard (`heard`, for heartbeat bookkeeping) before it is decoded; a frame that does not decode is
 * logged and skipped, since one bad message must not end the link. A failing socket rejects.
 */
export async function receiveMessages<M>(
  socket: AsyncIterable<Buffer[]>,
  decode: (frame: Buffer) => M,
  log: (line: string) => void,
  heard: () => void,
  handle: (message: M) => boolean | void,
): Promise<void> {
  for await (const [frame] of socket) {
    if (!frame) continue;
    heard();
    let m: M;
    try {
      m = decode(frame);
    } catch (err) {
      log(String(err));
      continue;
    }
    if (handle(m) === false) return;
  }
}
