/**
 * Entry of the bundled run path (dist/bundle/run.cjs, built by scripts/bundleCli.ts): what
 * `parsl-cwl DOC [JOB]` needs, in one file, so the launcher (launch.cts) can compile it from V8's
 * code cache instead of resolving and compiling ~70 ES modules on every start. Subcommands are not
 * here: bin/parsl-cwl sends them to main.ts.
 */
import { trustDeferredExtraCaCerts } from '../cwl/index.js';
import { configureProcesses } from '../process/index.js';
import { main } from './run.js';
import { settle } from './settle.js';

export interface LaunchSettings {
  /** The launch spawner's socket name (launch.cts takes it out of the environment). */
  launchSpawnerSocket?: string | undefined;
  /** The NODE_EXTRA_CA_CERTS file Node was started without (launch.cts), for remote documents. */
  deferredExtraCaCerts?: string | undefined;
}

export function runCommandLine(argv: string[], settings: LaunchSettings = {}): void {
  if (settings.launchSpawnerSocket !== undefined) configureProcesses({ launchSpawnerSocket: settings.launchSpawnerSocket });
  if (settings.deferredExtraCaCerts !== undefined) trustDeferredExtraCaCerts(settings.deferredExtraCaCerts);
  settle(main(argv), argv, { exitWhenSettled: true });
}
