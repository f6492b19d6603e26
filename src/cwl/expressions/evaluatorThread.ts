/**
 * The runner's side of the expression evaluator thread (docs/expressions-and-outputs.md, "Isolation").
 *
 * JavaScript expressions run in a worker thread with a heap limit, in realms that hold no host
 * object (threadSources.ts), so nothing an expression does reaches this process's objects, modules,
 * files or stdout. Callers stay synchronous: a request is posted on a MessagePort and this thread
 * sleeps in Atomics.wait on a SharedArrayBuffer until the evaluator wakes it; the reply is read with
 * receiveMessageOnPort. The time limit is kept here: once the evaluator has taken the request (it
 * says so in the SharedArrayBuffer), this thread waits at most the limit, then terminates the
 * evaluator, which stops any loop (promise jobs too). So a blocked main thread answers signals after
 * at most the time limit (plus the evaluator's start-up, bounded by {@link START_LIMIT_MS}, when it
 * was not running yet).
 *
 * A thread killed by its heap limit wakes nobody, and its 'exit' event would only reach this thread
 * after the wait. So the wait is cut in slices of {@link SLICE_MS}, and between slices the
 * evaluator's Linux thread is looked up in /proc/self/task: gone mid-evaluation means the heap limit
 * (nothing else ends it but us). Elsewhere the death is noticed at the time limit. One thread rather
 * than a supervisor thread owning the evaluator: each Node thread costs tens of ms of CPU to start,
 * paid by every run that uses JavaScript.
 *
 * The thread starts on the first JavaScript evaluation or when a JavaScript-enabled evaluator is
 * made (warm), never for runs without JavaScript; it is unref'd (it never keeps a process alive)
 * and replaced after a time-out or its death.
 */
import { existsSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { EVALUATOR_SOURCE, STATE } from './threadSources.js';

/** How long the evaluator may take to start and take a request before this thread gives up. */
export const START_LIMIT_MS = 5000;
/** How often a long wait looks at the evaluator (started the request? thread still there?). */
const SLICE_MS = 20;

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
  worker: Worker;
  port: MessagePort;
  state: Int32Array;
  /** expressionLib ids this evaluator has been sent. */
  libs: Set<number>;
}

class EvaluatorThread {
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
    let deadline = performance.now() + START_LIMIT_MS;
    let started = false;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) {
        // Terminating the thread is what stops the expression: the next evaluation starts another.
        this.abandon();
        if (started) return { ok: false, error: 'timeout', message: '' };
        return { ok: false, error: 'crashed', message: `the expression evaluator did not start within ${START_LIMIT_MS} ms` };
      }
      Atomics.wait(gen.state, 0, STATE.PENDING, Math.min(SLICE_MS, left));
      if (Atomics.load(gen.state, 0) !== STATE.PENDING) break;
      if (!started && Atomics.load(gen.state, 2) === id) {
        // Seen up to one slice late: the limit is kept to within SLICE_MS.
        started = true;
        deadline = performance.now() + request.timeoutMs;
      }
      const tid = Atomics.load(gen.state, 1);
      if (tid !== 0 && !existsSync(`/proc/self/task/${tid}`)) {
        this.abandon();
        return { ok: false, error: 'memory', message: '' };
      }
    }
    if (Atomics.load(gen.state, 0) === STATE.DONE) {
      const reply = receiveMessageOnPort(gen.port)?.message as ({ id: number } & EvaluationReply) | undefined;
      if (reply && reply.id === id) return reply;
    }
    this.abandon();
    return { ok: false, error: 'crashed', message: 'the expression evaluator thread ended' };
  }

  /**
   * Start the thread now without waiting for it: it boots while the runner stages inputs, so the
   * first evaluation does not wait for its start-up (tens of ms, more on a busy machine).
   */
  warm(): void {
    if (!this.generation) this.start();
  }

  /** Terminate the thread (the next evaluation starts another). */
  async stop(): Promise<void> {
    const gen = this.generation;
    this.generation = undefined;
    gen?.port.close();
    await gen?.worker.terminate();
  }

  private start(): Generation {
    this.abandon();
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const sab = new SharedArrayBuffer(12);
    const state = new Int32Array(sab);
    Atomics.store(state, 0, STATE.DONE);
    const worker = new Worker(EVALUATOR_SOURCE, {
      eval: true,
      workerData: { port: port2, sab },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: Math.min(32, Math.max(4, this.memoryMb >> 3)) },
      env: {},
      argv: [],
      execArgv: [],
      stdin: false,
      // Captured and never read: nothing the thread might print reaches the runner's stdout/stderr.
      stdout: true,
      stderr: true,
    });
    worker.unref();
    // Its death (the heap limit) is reported by the evaluation that caused it; the event comes later.
    worker.on('error', () => {});
    worker.on('exit', () => Atomics.store(state, 0, STATE.DEAD));
    this.generation = { worker, port: port1, state, libs: new Set() };
    return this.generation;
  }

  private abandon(): void {
    const gen = this.generation;
    if (!gen) return;
    this.generation = undefined;
    gen.port.close();
    void gen.worker.terminate();
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
