/**
 * A ZAP handler (ZeroMQ RFC 27) that admits only the run's client public key.
 *
 * A CurveZMQ server alone accepts any client that knows the server's public key; libzmq asks the
 * ZAP handler bound at `inproc://zeromq.zap.01` of the same context to authorise each handshake.
 * One handler per process serves every server socket of that process.
 */
import type * as Zmq from 'zeromq';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** Z85 encoding (ZeroMQ RFC 32), to compare the binary key ZAP reports with the key files. */
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
export function z85Encode(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 4 <= data.length; i += 4) {
    let value = ((data[i] ?? 0) * 16777216 + ((data[i + 1] ?? 0) << 16) + ((data[i + 2] ?? 0) << 8) + (data[i + 3] ?? 0)) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85[value % 85] + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

export interface ZapAuthenticator {
  /** Handshakes refused so far by this process's handler (tests and logs). */
  readonly refused: number;
  /**
   * Stop admitting this key; the handler closes with its last user, and the promise settles once
   * its endpoint is free again. Safe twice.
   */
  close(): Promise<void>;
}

/**
 * One handler per process (the endpoint can be bound once per context), shared by every server
 * socket of the process: it admits the union of the keys registered, each with a use count, so
 * two executors in one program each admit only their own run's clients... and each other's, which
 * belong to the same user.
 */
interface SharedHandler {
  socket: Zmq.Reply;
  allowed: Map<string, number>;
  logs: Set<(line: string) => void>;
  refused: number;
  closed: boolean;
}
let shared: Promise<SharedHandler> | undefined;
/**
 * The last handler's release: a closed socket frees an inproc endpoint only later, in libzmq's
 * I/O thread, so a run started right after another in one process (the tests; a program running
 * two workflows) bound it while taken (EADDRINUSE). Unbinding first and waiting for it avoids that.
 */
let releasing: Promise<void> | undefined;

async function openHandler(zmq: typeof Zmq): Promise<SharedHandler> {
  await releasing;
  const socket = new zmq.Reply({ linger: 0 });
  await socket.bind(ZAP_ENDPOINT);
  const handler: SharedHandler = { socket, allowed: new Map(), logs: new Set(), refused: 0, closed: false };
  void serve(handler);
  return handler;
}

/** Register `allowedClientKey` with the process's ZAP handler, starting it if needed. */
export async function startZapAuthenticator(zmq: typeof Zmq, allowedClientKey: string, log: (line: string) => void): Promise<ZapAuthenticator> {
  let opening = shared;
  if (!opening) {
    opening = openHandler(zmq);
    shared = opening;
    opening.catch(() => {
      if (shared === opening) shared = undefined;
    });
  }
  const handler = await opening;
  handler.allowed.set(allowedClientKey, (handler.allowed.get(allowedClientKey) ?? 0) + 1);
  handler.logs.add(log);
  let closed = false;
  return {
    get refused() {
      return handler.refused;
    },
    async close() {
      if (closed) return;
      closed = true;
      handler.logs.delete(log);
      const left = (handler.allowed.get(allowedClientKey) ?? 1) - 1;
      if (left > 0) handler.allowed.set(allowedClientKey, left);
      else handler.allowed.delete(allowedClientKey);
      if (handler.allowed.size > 0 || handler.closed) return;
      handler.closed = true;
      if (shared === opening) shared = undefined;
      const release = (async () => {
        try {
          await handler.socket.unbind(ZAP_ENDPOINT);
        } catch {
          // already unbound: close() below frees the rest
        }
        handler.socket.close();
      })();
      releasing = release;
      await release;
    },
  };
}

async function serve(handler: SharedHandler): Promise<void> {
  try {
    for await (const frames of handler.socket) {
      // Request: version, request id, domain, address, identity, mechanism, credentials...
      const [version, requestId, , address, , mechanism, credentials] = frames;
      const mech = mechanism?.toString() ?? '';
      const key = credentials && credentials.length === 32 ? z85Encode(credentials) : '';
      const ok = version?.toString() === '1.0' && mech === 'CURVE' && handler.allowed.has(key);
      if (!ok) {
        handler.refused++;
        for (const log of handler.logs) log(`refused a ${mech || 'unknown'} handshake from ${address?.toString() ?? '?'}: not the run's client key`);
      }
      await handler.socket.send(['1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'client key not allowed', ok ? 'parsl-cwl' : '', '']);
    }
  } catch (err) {
    if (!handler.closed) for (const log of handler.logs) log(`ZAP handler stopped: ${(err as Error).message}`);
  }
}
