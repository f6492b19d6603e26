/**
 * Serialises sends on one zeromq.js socket: zeromq.js v6 allows one send in flight per socket, and
 * every HTEX component sends from several event handlers (results, heartbeats, commands).
 */
import type * as Zmq from 'zeromq';

type Frames = Array<string | Buffer>;
const EMPTY: Frames = [];

export class SocketWriter {
  /**
   * Messages not yet handed to libzmq, from `head` on. An index, not `shift()`: an interchange with
   * thousands of pools queues thousands of messages in one turn, and shifting a long array moves
   * it every time.
   */
  private queue: Frames[] = [];
  private head = 0;
  private sending = false;
  private closed = false;

  constructor(
    private readonly socket: Zmq.Socket & { send(frames: Frames): Promise<void> },
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queue one message (a list of frames); returns at once. */
  write(frames: Frames): void {
    if (this.closed) return;
    this.queue.push(frames);
    if (!this.sending) void this.pump();
  }

  /** Messages queued and not yet handed to libzmq. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Resolves once every queued message was handed to libzmq. */
  async flushed(): Promise<void> {
    while (this.sending || this.pending > 0) await new Promise((r) => setImmediate(r));
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (!this.closed && this.head < this.queue.length) {
        const next = this.queue[this.head] as Frames;
        this.queue[this.head++] = EMPTY;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        try {
          await this.socket.send(next);
        } catch (err) {
          if (!this.closed) this.onError(err);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
