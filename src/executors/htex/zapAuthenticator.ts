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
  /** Stop admitting this key; the handler closes with its last user. Safe twice. */
  close(): void;
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
 * Binds the handler's endpoint. A handler closed a moment ago (the previous executor of this
 * process) frees the endpoint asynchronously, so a bind right after it can meet EADDRINUSE: retried
 * for a bounded time rather than failing the next executor's start.
 */
async function bindHandler(zmq: typeof Zmq): Promise<SharedHandler> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const socket = new zmq.Reply({ linger: 0 });
    try {
      await socket.bind(ZAP_ENDPOINT);
      const handler: SharedHandler = { socket, allowed: new Map(), logs: new Set(), refused: 0, closed: false };
      void serve(handler);
      return handler;
    } catch (err) {
      socket.close();
      if ((err as { code?: unknown }).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Register `allowedClientKey` with the process's ZAP handler, starting it if needed. */
export async function startZapAuthenticator(zmq: typeof Zmq, allowedClientKey: string, log: (line: string) => void): Promise<ZapAuthenticator> {
  // One start at a time: concurrent executors share the promise instead of racing for the endpoint.
  const starting = (shared ??= bindHandler(zmq));
  let handler: SharedHandler;
  try {
    handler = await starting;
  } catch (err) {
    if (shared === starting) shared = undefined;
    throw err;
  }
  if (handler.closed) return startZapAuthenticator(zmq, allowedClientKey, log);
  handler.allowed.set(allowedClientKey, (handler.allowed.get(allowedClientKey) ?? 0) + 1);
  handler.logs.add(log);
  let closed = false;
  return {
    get refused() {
      return handler.refused;
    },
    close() {
      if (closed) return;
      closed = true;
      handler.logs.delete(log);
      const left = (handler.allowed.get(allowedClientKey) ?? 1) - 1;
      if (left > 0) handler.allowed.set(allowedClientKey, left);
      else handler.allowed.delete(allowedClientKey);
      if (handler.allowed.size === 0) {
        handler.closed = true;
        handler.socket.close();
        if (shared === starting) shared = undefined;
      }
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
