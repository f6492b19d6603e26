/**
 * Live progress of a workflow run: step instances done / running / waiting, written as one
 * refreshed line on stderr (only when it is a terminal, so logs and tests stay clean).
 */

export interface ProgressCounts {
  /** Step instances finished (successfully or skipped by `when`). */
  done: number;
  /** Step instances submitted and not finished. */
  running: number;
  /** Steps whose inputs are not ready yet. */
  waiting: number;
  skipped: number;
  failed: number;
}

/** Counters the engine updates; `onChange` listeners see every update. */
export class WorkflowProgress {
  readonly counts: ProgressCounts = { done: 0, running: 0, waiting: 0, skipped: 0, failed: 0 };
  private readonly listeners: Array<(c: ProgressCounts) => void> = [];

  onChange(listener: (c: ProgressCounts) => void): void {
    this.listeners.push(listener);
  }

  stepWaiting(delta: number): void {
    this.counts.waiting += delta;
    this.emit();
  }
  instanceStarted(): void {
    this.counts.running++;
    this.emit();
  }
  instanceFinished(outcome: 'done' | 'skipped' | 'failed'): void {
    this.counts.running--;
    if (outcome === 'failed') this.counts.failed++;
    else {
      this.counts.done++;
      if (outcome === 'skipped') this.counts.skipped++;
    }
    this.emit();
  }
  /** A `when` that evaluated to false before anything was submitted. */
  instanceSkipped(): void {
    this.counts.done++;
    this.counts.skipped++;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l(this.counts);
  }
}

export function formatProgress(c: ProgressCounts): string {
  const parts = [`${c.done} done`, `${c.running} running`, `${c.waiting} steps waiting`];
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.failed) parts.push(`${c.failed} failed`);
  return `workflow: ${parts.join(', ')}`;
}

/**
 * Render progress on a TTY stream at most every `intervalMs`. Returns a function that clears the
 * line and stops rendering; call it when the run ends.
 */
export function renderProgress(progress: WorkflowProgress, stream: NodeJS.WriteStream, intervalMs = 200): () => void {
  if (!stream.isTTY) return () => undefined;
  let last = 0;
  let stopped = false;
  let shown = false;
  const draw = (): void => {
    stream.write(`\r\x1b[2K${formatProgress(progress.counts)}`);
    shown = true;
  };
  progress.onChange(() => {
    if (stopped) return;
    const now = Date.now();
    if (now - last >= intervalMs) {
      last = now;
      draw();
    }
  });
  return () => {
    if (stopped) return;
    stopped = true;
    if (shown) stream.write('\r\x1b[2K');
  };
}
