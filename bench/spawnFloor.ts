/**
 * The process-start floor of the scatter benchmark on this machine: the same `echo` commands a
 * scatter runs (one per instance, stdout to a file in its own folder), started by the native
 * spawner with as many in flight as the local executor allows for CWL jobs, and nothing else: no
 * CWL document, no kernel, no staging or output collection. No runner can scatter faster than
 * this here; its ratio to cwltool is the best ratio reachable in the same run.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { NativeBackend, SPAWNER_BIN } from '../src/process/nativeBackend.js';

export interface Floor {
  seconds: number;
  inFlight: number;
}

export async function spawnFloor(n: number, dir: string): Promise<Floor> {
  // The local executor's limit on CWL tool commands running at once when max_workers is not given
  // (cwlCommandSlots in localExecutor.ts).
  const inFlight = 2 * cpus().length;
  const spawner = new NativeBackend(SPAWNER_BIN, undefined);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir };
  const t0 = process.hrtime.bigint();
  let next = 0;
  let failed = 0;
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    const startOne = (): void => {
      if (next >= n) {
        if (running === 0) resolve();
        return;
      }
      const i = next++;
      const cwd = join(dir, `floor-${i}`);
      mkdirSync(cwd);
      running++;
      const finish = (ok: boolean) => {
        if (!ok) failed++;
        running--;
        startOne();
      };
      spawner.start(
        { argv: ['echo', `message-${i}`], cwd, env, stdout: join(cwd, 'out.txt'), stderr: join(cwd, 'out.txt') },
        {
          started: () => undefined,
          failed: () => finish(false),
          ended: (code) => finish(code === 0),
          lost: (why) => reject(new Error(why)),
        },
      );
    };
    for (let k = 0; k < inFlight; k++) startOne();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  spawner.killNow();
  if (failed > 0) throw new Error(`${failed} of ${n} echo commands failed in the floor measurement`);
  return { seconds, inFlight };
}
