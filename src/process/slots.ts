/**
 * A limit on how many processes run at once, shared by the processes given the same ProcessSlots
 * (ProcessSpec.slots). The local executor gives one to its CWL jobs: it prepares more jobs than
 * it lets run processes, and a prepared job's process starts the moment another one ends, in the
 * same turn of the event loop that learns of the end, instead of after the ended job's outputs
 * were collected and the next job was prepared (docs/workflows.md#benchmark has the figures).
 */
export class ProcessSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ProcessSlots: size must be a positive integer, got ${String(size)}`);
    this.free = size;
  }

  /**
   * Call `start` once a slot is free (at once when one is): the slot is then the caller's until
   * `release`. Returns a function that withdraws a start still waiting (and does nothing after).
   */
  acquire(start: () => void): () => void {
    if (this.free > 0) {
      this.free--;
      start();
      return () => undefined;
    }
    this.waiting.push(start);
    return () => {
      const at = this.waiting.indexOf(start);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  /** The slot's process has settled: the longest-waiting start takes the slot. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }

  /** Processes waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
