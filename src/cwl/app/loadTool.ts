/**
 * CwlApp: a CWL CommandLineTool (or ExpressionTool) imported as a function. `loadTool(path)` loads
 * and validates the document once; each call binds its inputs (futures among them resolved first),
 * validates them against the tool's types (an invalid input rejects naming the input), and submits
 * a CWL job task. The result is the tool's output object; `.output(name)` is a future of one output.
 */
import type { ContainerSettings } from '../containers/settings.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandLineTool, ExpressionTool, Process } from '../model.js';
import type { JobSpec } from '../jobSpec.js';
import { cwlJobResult, cwlJobTask } from '../jobTask.js';
import type { AppDefinition, AppFuture, Deferred } from '../../dataflow/index.js';
import { DataFlowKernel } from '../../dataflow/index.js';
import { UnsupportedRequirementError } from '../errors.js';
import { commandTemplate } from './commandTemplate.js';
import { reuseAllowed, toolIdentity } from './jobApp.js';

export interface LoadToolOptions {
  /** Kernel to submit to (default: the current kernel at call time). */
  dfk?: DataFlowKernel;
  /** Memoize calls by tool + inputs, files by content (default false). WorkReuse `enableReuse: false` turns it off. */
  cache?: boolean;
  /** Executor label (default: the kernel's first). */
  executor?: string;
  retries?: number;
  /** Folder relative paths in inputs resolve against (default: the working directory at call time). */
  cwd?: string;
  /**
   * Containers for the tool's DockerRequirement (docs/containers.md); default `{mode: 'auto'}`: the
   * engine found on PATH of the node that runs the job, as the run command without flags.
   */
  container?: ContainerSettings;
}

export type Tool = CommandLineTool | ExpressionTool;

export interface CwlAppInfo {
  readonly tool: Tool;
  readonly appName: string;
  /** The command shape, e.g. `find <dir> [-name <name>]`. */
  readonly commandTemplate: string;
}

export type CwlApp<I = Record<string, unknown>, O = Record<string, unknown>> = ((inputs: Deferred<I>) => AppFuture<O>) & CwlAppInfo;

function assertTool(p: Process, ref: string): Tool {
  if (p.class === 'CommandLineTool' || p.class === 'ExpressionTool') return p;
  throw new UnsupportedRequirementError(p.class, `${ref} is a ${p.class}; loadTool takes a CommandLineTool or ExpressionTool`);
}

function shortName(id: string): string {
  const tail = id.slice(id.lastIndexOf('/') + 1);
  return decodeURIComponent(tail).replace(/\.cwl(#.*)?$/, (_m, frag: string | undefined) => (frag ? frag : '')) || 'tool';
}

interface ToolCall {
  inputs: Record<string, unknown>;
  cwd: string;
}

/** The app definition of a tool, given a way to get the loaded tool (now or lazily). */
function toolDefinition(getTool: () => Promise<Tool>, name: string, identity: string, cache: boolean, options: LoadToolOptions): AppDefinition<ToolCall, Record<string, unknown>> {
  return {
    name,
    identity,
    cache,
    executor: options.executor,
    retries: options.retries,
    async prepare(call, ctx) {
      const tool = await getTool();
      const { prepareInputs } = await import('../inputs/index.js');
      const inputs = await prepareInputs(tool, call.inputs, { baseUri: pathToFileURL(call.cwd + path.sep).href });
      const job: JobSpec = {
        tool,
        inputs,
        requirements: tool.requirements ?? [],
        hints: tool.hints ?? [],
        paths: { jobDir: path.join(ctx.runDir, 'jobs', `${ctx.taskId}-${name}${ctx.attempt > 0 ? `.${ctx.attempt}` : ''}`) },
        name,
        ...(options.container !== undefined ? { options: { container: options.container } } : {}),
      };
      return cwlJobTask(job);
    },
    complete(outcome) {
      return cwlJobResult(outcome, name).outputs;
    },
    memoArgs: (call) => call.inputs,
  };
}

function makeApp<I, O>(definition: AppDefinition<ToolCall, Record<string, unknown>>, options: LoadToolOptions) {
  return (inputs: Deferred<I>): AppFuture<O> => {
    const dfk = options.dfk ?? DataFlowKernel.require();
    const cwd = path.resolve(options.cwd ?? process.cwd());
    return dfk.submit(definition, { inputs: inputs as Record<string, unknown>, cwd }) as unknown as AppFuture<O>;
  };
}

/** Load a CWL tool (`tool.cwl` or `doc.cwl#id`) as an app. Rejects if the document is invalid. */
export async function loadTool<I = Record<string, unknown>, O = Record<string, unknown>>(ref: string, options: LoadToolOptions = {}): Promise<CwlApp<I, O>> {
  const { loadProcess } = await import('../load/index.js');
  const tool = assertTool(await loadProcess(ref, { cwd: options.cwd }), ref);
  const name = shortName(tool.id);
  const cache = (options.cache ?? false) && reuseAllowed(tool.requirements ?? [], tool.hints ?? []);
  const definition = toolDefinition(() => Promise.resolve(tool), name, toolIdentity(tool), cache, options);
  const info: CwlAppInfo = { tool, appName: name, commandTemplate: commandTemplate(tool) };
  return Object.assign(makeApp<I, O>(definition, options), info);
}

/**
 * A tool app that loads its document on first use (modules written by `parsl-cwl typegen` export
 * one: importing them costs nothing and needs no top-level await). A document that fails to load
 * fails the calls' tasks. Not memoized (WorkReuse cannot be read before the document is loaded):
 * use loadTool with `cache: true` for that.
 */
export function lazyTool<I = Record<string, unknown>, O = Record<string, unknown>>(ref: string | URL, options: Omit<LoadToolOptions, 'cache'> = {}): (inputs: Deferred<I>) => AppFuture<O> {
  const location = ref instanceof URL ? ref.href : ref;
  const name = shortName(location);
  let loading: Promise<Tool> | undefined;
  const getTool = (): Promise<Tool> => {
    loading ??= import('../load/index.js').then(async ({ loadProcess }) => assertTool(await loadProcess(location, { cwd: options.cwd }), location));
    return loading;
  };
  return makeApp<I, O>(toolDefinition(getTool, name, `cwl-lazy:${location}`, false, options), options);
}
