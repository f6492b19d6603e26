/**
 * The executor's end of the wire to its interchange: the bound DEALER socket (CurveZMQ server with
 * its ZAP handler when encrypted), sending, the receive loop, and command requests with their
 * replies. What the messages mean (results, ready, status) is the executor's business.
 */
import type * as Zmq from 'zeromq';
import type { ServerKeys } from './certificates.js';
import { decodeFromInterchange, encode, receiveMessages, type CommandReply, type CommandRequest, type FromInterchange, type ToInterchange } from './protocol.js';
import { SocketWriter } from './socketWriter.js';
import { startZapAuthenticator, type ZapAuthenticator } from './zapAuthenticator.js';

export interface LinkEvents {
  /** Every decoded message except command replies, which settle `command`'s promise. */
  message(m: Exclude<FromInterchange, { type: 'commandReply' }>): void;
  /** The receive loop broke (the socket failed). */
  failed(err: unknown): void;
}

export class InterchangeLink {
  /** When the interchange was last heard from (any message): the executor's heartbeat check. */
  lastHeardMs = 0;
  private nextRequestId = 1;
  private readonly commands = new Map<number, { resolve: (r: CommandReply) => void; reject: (e: unknown) => void }>();
  private events: LinkEvents | undefined;

  private constructor(
    private readonly socket: Zmq.Dealer,
    private readonly writer: SocketWriter,
    private readonly zap: ZapAuthenticator | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** Binds on loopback; `keys` turns on CurveZMQ (only the run's client key is accepted). */
  static async bind(keys: ServerKeys | undefined, log: (line: string) => void): Promise<InterchangeLink> {
    const zmq = await import('zeromq');
    let curve = {};
    let zap: ZapAuthenticator | undefined;
    if (keys) {
      zap = await startZapAuthenticator(zmq, keys.clientPublicKey, (l) => log(`htex: ${l}`));
      curve = { curveServer: true, curveSecretKey: keys.server.secretKey, curvePublicKey: keys.server.publicKey, zapDomain: 'parsl-cwl', zapEnforceDomain: true };
    }
    const socket = new zmq.Dealer({ linger: 0, ...curve });
    await socket.bind('tcp://127.0.0.1:*');
    const writer = new SocketWriter(socket, (err) => log(`htex: send to the interchange failed: ${String(err)}`));
    return new InterchangeLink(socket, writer, zap, log);
  }

  get endpoint(): string {
    return this.socket.lastEndpoint ?? '';
  }

  /** Starts the receive loop; `events` get what arrives from now on. */
  receive(events: LinkEvents): void {
    this.events = events;
    void this.receiveLoop();
  }

  send(m: ToInterchange): void {
    this.writer.write([encode(m)]);
  }

  /** One request on the command channel; resolves with the interchange's reply. */
  command(request: CommandRequest): Promise<CommandReply> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.commands.set(requestId, { resolve, reject });
      this.send({ type: 'command', requestId, request });
    });
  }

  /** Closes the link; commands still waiting for a reply reject with `reason`. */
  async close(reason: unknown): Promise<void> {
    // A send to an interchange that is gone never completes (a DEALER without peers blocks): bound it.
    await Promise.race([this.writer.flushed(), new Promise((r) => setTimeout(r, 300))]);
    this.writer.close();
    // The ZAP handler goes first: closing a CURVE server socket with handshakes waiting on ZAP and
    // then the handler at once aborted the process in libzmq 4.3.5 (pipe.cpp:355, both ends of a
    // ZAP pipe torn down together). zapEnforceDomain refuses handshakes while no handler is bound.
    await this.zap?.close();
    this.socket.close();
    for (const c of this.commands.values()) c.reject(reason);
    this.commands.clear();
  }

  private async receiveLoop(): Promise<void> {
    try {
      const heard = () => {
        this.lastHeardMs = Date.now();
      };
      await receiveMessages(this.socket, decodeFromInterchange, (line) => this.log(`htex: ${line}`), heard, (m) => {
        if (m.type === 'commandReply') {
          const c = this.commands.get(m.requestId);
          this.commands.delete(m.requestId);
          c?.resolve(m.reply);
        } else {
          this.events?.message(m);
        }
      });
    } catch (err) {
      this.events?.failed(err);
    }
  }
}
