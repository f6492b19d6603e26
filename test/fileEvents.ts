/** Waiting for a file without polling sleeps, for tests that watch a tool or runner write a marker. */
import { watch } from 'node:fs/promises';

/** Resolves once `file` exists in `dir` (an fs event). Start it before the file can appear. */
export async function appeared(dir: string, file: string): Promise<void> {
  const ac = new AbortController();
  try {
    for await (const ev of watch(dir, { signal: ac.signal })) if (ev.filename === file) return;
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    ac.abort();
  }
}
