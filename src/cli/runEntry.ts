/**
 * Entry of the bundled run path (dist/bundle/run.cjs, built by scripts/bundleCli.ts): what
 * `parsl-cwl DOC [JOB]` needs, in one file, so the launcher (launch.cts) can compile it from V8's
 * code cache instead of resolving and compiling ~70 ES modules on every start. Subcommands are not
 * here: bin/parsl-cwl sends them to main.ts.
 */
import { main } from './run.js';
import { settle } from './settle.js';

export function runCommandLine(argv: string[]): void {
  settle(main(argv), argv, { exitWhenSettled: true });
}
