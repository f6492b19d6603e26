/** Entry point of an HTEX worker process (forked by pool.ts with its worker id as argv[2]). */
import { runWorker } from './worker.js';

runWorker(process.argv[2] ?? `worker-${process.pid}`);
