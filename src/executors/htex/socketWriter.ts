/**
 * Serialises sends on one zeromq.js socket: zeromq.js v6 allows one send in flight per socket, and
 * every HTEX component sends from several event handlers (results, heartbeats, commands).
 */
import type * as Zmq from 'zeromq';

type Frames = Array<string | Buffer>;

export class SocketWriter {
  private readonly queue: Frames[] = [];
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
    return this.queue.length;
  }

  /** Resolves once every queued message was handed to libzmq. */
  async flushed(): Promise<void> {
    while (this.sending || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      let next: Frames | undefined;
      while (!this.closed && (next = this.queue.shift()) !== undefined) {
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
