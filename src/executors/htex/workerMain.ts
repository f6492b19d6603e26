/**
 * Entry point of an HTEX worker process, forked by pool.ts: argv[2] is its worker id, the rest are
 * the modules to import before taking tasks (they register runners of `job` tasks, ../jobRunners.ts).
 * A module that fails to load is logged and skipped: the worker still runs bash tasks, and its jobs
 * fail with JobRunnerMissing instead of the pool restarting a worker that cannot start.
 */
import { runWorker } from './worker.js';

const [workerId, ...modules] = process.argv.slice(2);
for (const m of modules) {
  try {
    await import(m);
  } catch (err) {
    process.stderr.write(`worker ${workerId}: cannot import ${m}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
runWorker(workerId ?? `worker-${process.pid}`);
