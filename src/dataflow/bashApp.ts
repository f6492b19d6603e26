/**
 * bashApp: a function that returns a command line becomes an app. The function runs on the
 * submitting side once its arguments resolved (futures replaced by values); what travels to the
 * executor is the command plus its options: a task may cross to another process (an HTEX worker)
 * and so travels as data, never as a closure (docs/architecture.md). A non-zero exit rejects with BashExitFailure carrying the exit code.
 */
import { createHash } from '../util/index.js';
import { resolve as resolvePath } from 'node:path';
import type { BashTaskSpec, TaskOutcome } from '../executors/index.js';
import type { AppFuture } from './appFuture.js';
import type { Deferred } from './deferred.js';
import { BashExitFailure } from './errors.js';
import { DataFlowKernel } from './kernel.js';
import type { AppDefinition } from './taskRecord.js';

export interface BashResult {
  exitCode: number;
  /** Absolute path of the stdout file, when one was asked for. */
  stdout?: string;
  stderr?: string;
}

/** Options of one call (Parsl's special keyword arguments). */
export interface BashCallOptions {
  /** File for the command's stdout (relative to `cwd` or the working directory); default: discarded. */
  stdout?: string;
  stderr?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Kill the command's whole process group after this many seconds. */
  walltimeSec?: number;
}

export interface BashAppOptions {
  /** App name for logs and errors (default: the function's name, or `bash_app`). */
  name?: string;
  /** Memoize results (and checkpoint them when the kernel checkpoints). Default false. */
  cache?: boolean;
  /** Executor label (default: the kernel's first executor). */
  executor?: string;
  /** Retry budget; overrides the kernel's. */
  retries?: number;
  /** Default walltime of every call, in seconds. */
  walltimeSec?: number;
  /** The kernel to submit to (default: the current kernel at call time). */
  dfk?: DataFlowKernel;
}

export type BashApp<A> = ((args: Deferred<A>, options?: BashCallOptions) => AppFuture<BashResult>) & { readonly appName: string };

interface BashArgs<A> {
  args: A;
  options: BashCallOptions;
}

/** Make a bash app from a function returning the command line. */
export function bashApp<A>(command: (args: A) => string, appOptions: BashAppOptions = {}): BashApp<A> {
  const name = appOptions.name ?? (command.name || 'bash_app');
  const definition: AppDefinition<BashArgs<A>, BashResult> = {
    name,
    identity: `bash:${name}:${createHash('sha256').update(command.toString()).digest('hex')}`,
    cache: appOptions.cache ?? false,
    executor: appOptions.executor,
    retries: appOptions.retries,
    prepare(call): BashTaskSpec {
      const line = command(call.args);
      if (typeof line !== 'string') throw new TypeError(`bash app '${name}' must return the command line as a string, got ${typeof line}`);
      const o = call.options;
      const spec: BashTaskSpec = { kind: 'bash', command: line };
      if (o.cwd !== undefined) spec.cwd = o.cwd;
      if (o.env !== undefined) spec.env = o.env;
      if (o.stdout !== undefined) spec.stdout = o.stdout;
      if (o.stderr !== undefined) spec.stderr = o.stderr;
      const walltime = o.walltimeSec ?? appOptions.walltimeSec;
      if (walltime !== undefined) spec.walltimeSec = walltime;
      return spec;
    },
    complete(outcome: TaskOutcome, call, spec): BashResult {
      if (outcome.kind !== 'bash') throw new TypeError(`bash app '${name}' got a ${outcome.kind} outcome`);
      const command = spec.kind === 'bash' ? spec.command : '';
      if (outcome.exitCode !== 0) throw new BashExitFailure(name, outcome.exitCode, command, call.options.stderr);
      const r: BashResult = { exitCode: 0 };
      if (call.options.stdout !== undefined) r.stdout = call.options.stdout;
      if (call.options.stderr !== undefined) r.stderr = call.options.stderr;
      return r;
    },
  };
  const app = (args: Deferred<A>, options: BashCallOptions = {}): AppFuture<BashResult> => {
    const dfk = appOptions.dfk ?? DataFlowKernel.require();
    // Paths are made absolute here: the task may run where the working directory differs (HTEX).
    const base = options.cwd !== undefined ? resolvePath(options.cwd) : process.cwd();
    const resolved: BashCallOptions = { ...options, cwd: base };
    if (options.stdout !== undefined) resolved.stdout = resolvePath(base, options.stdout);
    if (options.stderr !== undefined) resolved.stderr = resolvePath(base, options.stderr);
    return dfk.submit(definition, { args: args as A, options: resolved });
  };
  return Object.assign(app, { appName: name });
}
