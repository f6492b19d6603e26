#!/usr/bin/env node
/**
 * `parsl-cwl` / `cwl-runner` entry point (ESM): dispatches subcommands, otherwise runs a CWL document.
 * Subcommand modules are imported lazily so `parsl-cwl tool.cwl` loads only what a run needs
 * (startup time is most of a small tool's run time). The installed `parsl-cwl` command (bin/parsl-cwl)
 * runs documents through the bundled entry (runEntry.ts, see docs/running-tools.md, "Start-up") and comes here for
 * the subcommands; both paths run the same code.
 */
import { settle } from './settle.js';

type SubcommandMain = (argv: string[]) => Promise<number>;

// Each subcommand module exports `main(argv): Promise<exitCode>`.
const subcommands: Record<string, () => Promise<SubcommandMain>> = {
  conformance: async () => (await import('./conformance.js')).main,
  pool: async () => (await import('./pool.js')).main,
  interchange: async () => (await import('./interchange.js')).main,
  typegen: async () => (await import('./typegen.js')).main,
  cache: async () => (await import('./cache.js')).main,
  report: async () => (await import('./runReport/command.js')).main,
};

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  const sub = first !== undefined ? subcommands[first] : undefined;
  if (sub) return (await sub())(argv.slice(1));
  return (await import('./run.js')).main(argv);
}

const argv = process.argv.slice(2);
// A run ends when its promise does; the subcommands that serve (pool, interchange) end with the event loop.
settle(main(argv), argv, { exitWhenSettled: argv[0] === undefined || subcommands[argv[0]] === undefined });
