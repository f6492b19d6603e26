/**
 * Checkpoints: memoized results written to `runinfo/NNN/checkpoint/tasks.jsonl`, one JSON line
 * `{"key": ..., "result": ...}` per task, and read back when a later kernel loads, so a second run
 * of the same program reuses the first run's results (Parsl's checkpoint files).
 */
import { parseJson, stringifyJson } from '../util/index.js';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHECKPOINT_FILE = join('checkpoint', 'tasks.jsonl');

export interface CheckpointEntry {
  key: string;
  result: unknown;
}

/** Every checkpoint file under a runinfo base folder (all earlier runs). */
export function allCheckpointFiles(runBase: string): string[] {
  if (!existsSync(runBase)) return [];
  return readdirSync(runBase)
    .filter((d) => /^\d+$/.test(d))
    .sort()
    .map((d) => join(runBase, d, CHECKPOINT_FILE))
    .filter((f) => existsSync(f));
}

/** Read checkpoint files into `table` (later files win). A torn last line (a crash mid-write) is skipped. */
export function loadCheckpoints(files: string[], table: Map<string, unknown>): number {
  let loaded = 0;
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      let entry: CheckpointEntry;
      try {
        entry = parseJson(line) as CheckpointEntry;
      } catch {
        continue;
      }
      if (typeof entry.key === 'string') {
        table.set(entry.key, entry.result);
        loaded++;
      }
    }
  }
  return loaded;
}

/** Appends entries to this run's checkpoint file (created on first write). */
export class CheckpointWriter {
  private readonly file: string;
  private created = false;
  private pending: CheckpointEntry[] = [];

  constructor(runDir: string) {
    this.file = join(runDir, CHECKPOINT_FILE);
  }

  /** Queue an entry; `flush()` writes queued entries. */
  add(entry: CheckpointEntry): void {
    this.pending.push(entry);
  }

  /** Write queued entries now (synchronously, so a crash right after loses nothing written). */
  flush(): number {
    if (this.pending.length === 0) return 0;
    if (!this.created) {
      mkdirSync(join(this.file, '..'), { recursive: true });
      this.created = true;
    }
    const text = this.pending.map((e) => stringifyJson(e)).join('\n') + '\n';
    const n = this.pending.length;
    this.pending = [];
    appendFileSync(this.file, text);
    return n;
  }
}
