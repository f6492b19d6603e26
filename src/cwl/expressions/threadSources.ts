/**
 * The code of the worker thread that runs JavaScript expressions (see evaluatorThread.ts).
 *
 * It is CommonJS source text started with `new Worker(text, { eval: true })` rather than a file:
 * the same text then works from dist/src and from the single-file bundle (dist/bundle/run.cjs),
 * where no worker file exists next to the module. Keep them small and free of imports other than
 * node: builtins.
 *
 * Shared state (an Int32Array over a SharedArrayBuffer, one per evaluator thread):
 *   slot 0: 1 DONE (the evaluator posted its reply, or has not been asked anything yet),
 *           0 PENDING (the runner posted a request and waits), 3 DEAD (the thread ended);
 *   slot 1: the evaluator's Linux thread id (from /proc/thread-self), 0 elsewhere;
 *   slot 2: the id of the request the evaluator is working on (its time limit starts then).
 */
export const STATE = { PENDING: 0, DONE: 1, DEAD: 3 } as const;

/**
 * The evaluator: one fresh realm per expressionLib (vm.constants.DONT_CONTEXTIFY: its global is an
 * ordinary object of that realm, not a host object, so constructor chains end at the realm's own
 * Function and find no process or require), with its own microtask queue, drained before each run
 * returns (microtaskMode 'afterEvaluate'). Values come in and go out as JSON text only.
 *
 * No vm `timeout`: its watchdog thread costs more CPU per run than a small expression itself
 * (docs/expressions-and-outputs.md). The runner keeps the time limit instead: it sees when a request was taken (slot 2)
 * and terminates this thread once the limit has passed, which stops any loop, promise jobs
 * included. Everything that may run an expression's code (a thrown object's getters too) is
 * therefore under that limit.
 *
 * Request: {id, libId, libs?, kind, code, inputs, self, runtime} (inputs/self/runtime: JSON).
 * Reply: {id, ok: true, json} | {id, ok: false, error: 'syntax'|'thrown', message}.
 */
export const EVALUATOR_SOURCE = String.raw`'use strict';
const vm = require('node:vm');
const { workerData } = require('node:worker_threads');
const port = workerData.port;
const state = new Int32Array(workerData.sab);
// The runner watches /proc/self/task/<tid>: a thread killed by its heap limit cannot say so itself.
try {
  Atomics.store(state, 1, Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()) | 0);
} catch {
  // Not Linux: a memory-limit death is then noticed at the time limit.
}
// A promise an expression rejected and never handled is the expression's business, not a crash.
process.on('unhandledRejection', () => {});
const libs = new Map();
const contexts = new Map();
const scripts = new Map();
const MAX_CONTEXTS = 16;
const MAX_SCRIPTS = 4096;
const PROLOGUE = 'var inputs = JSON.parse(__pcwl_inputs), self = JSON.parse(__pcwl_self), runtime = JSON.parse(__pcwl_runtime);\n';
const DESCRIBE = new vm.Script('(function (e) { try { var n = e && e.name, m = e && e.message;' +
  ' if (typeof m === "string") return (typeof n === "string" ? n + ": " : "") + m; return String(e); }' +
  ' catch (x) { return "an exception that cannot be described"; } })(__pcwl_error)', { filename: 'describe' });

// ArrayBuffer memory lies outside the heap that resourceLimits caps (40 buffers of 100 MB were
// allocated under a 64 MB limit), so the realm has no way to make one: no ArrayBuffer,
// SharedArrayBuffer, typed arrays, DataView, Atomics or WebAssembly.
const REMOVE = new vm.Script('(function (g) { var names = ["ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "WebAssembly",' +
  ' "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",' +
  ' "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array"];' +
  ' for (var i = 0; i < names.length; i++) delete g[names[i]]; })(globalThis)', { filename: 'prepare' });

// An expression gives a value at once; a Promise (a dynamic import gives one, always rejected here) is
// an error rather than the "{}" JSON would make of it.
const RESULT = '(function (v) { if (v instanceof Promise) throw new TypeError("the expression gave a Promise; CWL expressions must give their value at once"); return v; })';

class Failure {
  constructor(error, message) { this.error = error; this.message = message; }
}

function hostMessage(e) {
  return e && typeof e.message === 'string' ? (typeof e.name === 'string' ? e.name + ': ' : '') + e.message : String(e);
}

function run(script, ctx) {
  try {
    return script.runInContext(ctx, { displayErrors: false });
  } catch (e) {
    // A script that throws leaves the promise jobs it queued: they run now, not at the start of the
    // next evaluation.
    try {
      DRAIN.runInContext(ctx, { displayErrors: false });
    } catch {
      // Its own exception is not the one to report.
    }
    ctx.__pcwl_error = e;
    let message;
    try {
      message = DESCRIBE.runInContext(ctx, { displayErrors: false });
    } catch {
      message = undefined;
    }
    ctx.__pcwl_error = undefined;
    throw new Failure('thrown', typeof message === 'string' ? message : 'an exception that cannot be described');
  }
}

const DRAIN = new vm.Script('', { filename: 'drain' });

function contextFor(libId) {
  let ctx = contexts.get(libId);
  if (ctx) {
    contexts.delete(libId);
    contexts.set(libId, ctx);
    return ctx;
  }
  ctx = vm.createContext(vm.constants.DONT_CONTEXTIFY, { name: 'cwl-expressions', microtaskMode: 'afterEvaluate' });
  REMOVE.runInContext(ctx);
  const lib = libs.get(libId) || [];
  for (let i = 0; i < lib.length; i++) {
    const label = 'expressionLib[' + i + ']';
    let script;
    try {
      script = new vm.Script(lib[i], { filename: label });
    } catch (e) {
      throw new Failure('syntax', 'syntax error in ' + label + ': ' + hostMessage(e));
    }
    try {
      run(script, ctx);
    } catch (f) {
      if (f.error === 'thrown') f.message = label + ': ' + f.message;
      throw f;
    }
  }
  if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value);
  contexts.set(libId, ctx);
  return ctx;
}

function scriptFor(kind, code) {
  const key = kind + '\u0000' + code;
  let script = scripts.get(key);
  if (script) return script;
  const body = kind === 'paren' ? 'return (' + code + '\n);' : code;
  try {
    script = new vm.Script(PROLOGUE + 'JSON.stringify([' + RESULT + '((function () { "use strict";\n' + body + '\n})())]);', { filename: 'expression' });
  } catch (e) {
    throw new Failure('syntax', 'syntax error: ' + hostMessage(e));
  }
  if (scripts.size >= MAX_SCRIPTS) scripts.delete(scripts.keys().next().value);
  scripts.set(key, script);
  return script;
}

function evaluate(m) {
  if (m.libs) libs.set(m.libId, m.libs);
  const script = scriptFor(m.kind, m.code);
  const ctx = contextFor(m.libId);
  ctx.__pcwl_inputs = m.inputs;
  ctx.__pcwl_self = m.self;
  ctx.__pcwl_runtime = m.runtime;
  const out = run(script, ctx);
  // Only a string of this realm's JSON.stringify leaves; anything else (JSON replaced by the
  // expression) is null.
  return typeof out === 'string' ? out : 'null';
}

port.on('message', (m) => {
  Atomics.store(state, 2, m.id);
  let reply;
  try {
    reply = { id: m.id, ok: true, json: evaluate(m) };
  } catch (f) {
    reply = f instanceof Failure ? { id: m.id, ok: false, error: f.error, message: f.message } : { id: m.id, ok: false, error: 'thrown', message: hostMessage(f) };
  }
  port.postMessage(reply);
  Atomics.store(state, 0, ${STATE.DONE});
  Atomics.notify(state, 0);
});
`;
