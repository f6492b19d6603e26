/**
 * Live progress of a workflow run: step instances done / running / waiting. The run command's
 * progress display (src/cli/run/progressLine.ts) takes the tasks by state from the kernel and, from
 * here, the steps still waiting for their inputs, which no task stands for yet.
 */

/**
 * Step instances of a workflow run by state (WorkflowProgress.counts).
 * @experimental May change before 1.0.
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

/**
 * Counters the engine updates; `onChange` listeners see every update.
 * @experimental May change before 1.0.
 */
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
