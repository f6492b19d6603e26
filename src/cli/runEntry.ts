/**
 * Entry of the bundled run path (dist/bundle/run.cjs, built by scripts/bundleCli.ts): what
 * `parsl-cwl DOC [JOB]` needs, in one file, so the launcher (launch.cts) can compile it from V8's
 * code cache instead of resolving and compiling ~70 ES modules on every start. Subcommands are not
 * here: bin/parsl-cwl sends them to main.ts.
 */
import { configureProcesses } from '../process/index.js';
import { main } from './run.js';
import { settle } from './settle.js';

export interface LaunchSettings {
  /** The launch spawner's socket name (launch.cts takes it out of the environment). */
  launchSpawnerSocket?: string | undefined;
}

export function runCommandLine(argv: string[], settings: LaunchSettings = {}): void {
  if (settings.launchSpawnerSocket !== undefined) configureProcesses({ launchSpawnerSocket: settings.launchSpawnerSocket });
  settle(main(argv), argv, { exitWhenSettled: true });
}
