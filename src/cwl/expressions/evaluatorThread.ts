/**
 * The runner's side of the expression evaluator thread (docs/expressions-and-outputs.md, "Isolation").
 *
 * JavaScript expressions run in a worker thread with a heap limit, in realms that hold no host
 * object (threadSources.ts), so nothing an expression does reaches this process's objects, modules,
 * files or stdout. Callers stay synchronous: a request is posted on a MessagePort and this thread
 * sleeps in Atomics.wait on a SharedArrayBuffer until the evaluator (or, when the evaluator died, its
 * supervisor thread) wakes it; the reply is read with receiveMessageOnPort. The wait is bounded by
 * the time limit plus {@link GRACE_MS}, so a blocked main thread answers signals after at most that.
 *
 * The threads start on the first JavaScript evaluation (runs without JavaScript never pay for them),
 * are unref'd (they never keep a process alive) and are replaced after a timeout or a crash.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { EVALUATOR_SOURCE, STATE, SUPERVISOR_SOURCE } from './threadSources.js';

/**
 * How much longer than the time limit this thread waits before it gives up on the evaluator and
 * replaces it. vm's own timeout inside the evaluator normally ends a long evaluation first; the
 * grace also covers starting the two threads on the first evaluation.
 */
export const GRACE_MS = 500;

export interface EvaluationRequest {
  kind: 'paren' | 'brace';
  code: string;
  /** JSON texts of the parameter context. */
  inputs: string;
  self: string;
  runtime: string;
  timeoutMs: number;
}

export type EvaluationReply =
  | { ok: true; json: string }
  | { ok: false; error: 'syntax' | 'thrown' | 'timeout' | 'memory' | 'crashed'; message: string };

interface Generation {
  port: MessagePort;
  state: Int32Array;
  /** expressionLib ids this evaluator has been sent. */
  libs: Set<number>;
}

class EvaluatorThread {
  private supervisor: Worker | undefined;
  private generation: Generation | undefined;
  private nextId = 1;

  constructor(private readonly memoryMb: number) {}

  evaluate(request: EvaluationRequest, libId: number, lib: readonly string[]): EvaluationReply {
    let gen = this.generation;
    if (!gen || Atomics.compareExchange(gen.state, 0, STATE.DONE, STATE.PENDING) !== STATE.DONE) {
      gen = this.start();
      Atomics.store(gen.state, 0, STATE.PENDING);
    }
    const id = this.nextId++;
    const libs = gen.libs.has(libId) ? undefined : lib;
    gen.libs.add(libId);
    gen.port.postMessage({ ...request, id, libId, libs });
    const waited = Atomics.wait(gen.state, 0, STATE.PENDING, request.timeoutMs + GRACE_MS);
    const state = Atomics.load(gen.state, 0);
    if (waited === 'timed-out' && state === STATE.PENDING) {
      // Stuck outside vm's timeout: drop this evaluator; the next evaluation starts another.
      this.abandon();
      return { ok: false, error: 'timeout', message: '' };
    }
    if (state === STATE.DONE) {
      const reply = receiveMessageOnPort(gen.port)?.message as ({ id: number } & EvaluationReply) | undefined;
      if (reply && reply.id === id) return reply;
      this.abandon();
      return { ok: false, error: 'crashed', message: 'the expression evaluator answered out of turn' };
    }
    this.generation = undefined;
    if (state === STATE.OUT_OF_MEMORY) return { ok: false, error: 'memory', message: '' };
    return { ok: false, error: 'crashed', message: 'the expression evaluator thread ended' };
  }

  /**
   * Start the threads now without waiting for them: they boot while the runner stages inputs, so
   * the first evaluation does not wait for two thread start-ups (each some tens of ms, more on a
   * busy machine).
   */
  warm(): void {
    if (!this.generation) this.start();
  }

  /** Terminate both threads (the next evaluation starts them again). */
  async stop(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    this.generation?.port.close();
    this.generation = undefined;
    await supervisor?.terminate();
  }

  private start(): Generation {
    this.generation?.port.close();
    if (!this.supervisor) {
      // Its stdout/stderr stay the default (this process's): piping them would keep the process alive,
      // and the supervisor runs only our code (the evaluator's output is discarded there).
      const supervisor = new Worker(SUPERVISOR_SOURCE, { eval: true, env: {}, argv: [], execArgv: [], stdin: false });
      supervisor.unref();
      // The supervisor runs only our code; if it fails anyway, the evaluation waiting is told by its
      // time limit, and the next one starts a new supervisor.
      supervisor.on('error', () => {});
      supervisor.on('exit', () => {
        if (this.supervisor === supervisor) this.supervisor = undefined;
      });
      this.supervisor = supervisor;
    }
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const sab = new SharedArrayBuffer(4);
    const state = new Int32Array(sab);
    Atomics.store(state, 0, STATE.DONE);
    this.supervisor.postMessage({ type: 'start', port: port2, sab, memoryMb: this.memoryMb, source: EVALUATOR_SOURCE }, [port2]);
    this.generation = { port: port1, state, libs: new Set() };
    return this.generation;
  }

  private abandon(): void {
    this.generation?.port.close();
    this.generation = undefined;
    this.supervisor?.postMessage({ type: 'stop' });
  }
}

/** One evaluator thread per memory limit (a heap limit is fixed when a thread starts). */
const threads = new Map<number, EvaluatorThread>();
const libIds = new Map<string, number>();

/** A small number naming an expressionLib, so its text crosses to the evaluator once. */
export function expressionLibId(lib: readonly string[]): number {
  const key = JSON.stringify(lib);
  let id = libIds.get(key);
  if (id === undefined) {
    id = libIds.size + 1;
    libIds.set(key, id);
  }
  return id;
}

export function evaluatorThread(memoryMb: number): EvaluatorThread {
  let t = threads.get(memoryMb);
  if (!t) {
    t = new EvaluatorThread(memoryMb);
    threads.set(memoryMb, t);
  }
  return t;
}

/** Terminate the evaluator threads of this process (they never keep it alive; this frees them now). */
export async function stopExpressionThreads(): Promise<void> {
  const all = [...threads.values()];
  threads.clear();
  await Promise.all(all.map((t) => t.stop()));
}
