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
  /** Handshakes refused so far (tests and logs). */
  readonly refused: number;
  close(): void;
}

/** Start the process's ZAP handler; `log` receives one line per refused handshake. */
export async function startZapAuthenticator(zmq: typeof Zmq, allowedClientKey: string, log: (line: string) => void): Promise<ZapAuthenticator> {
  const socket = new zmq.Reply({ linger: 0 });
  await socket.bind(ZAP_ENDPOINT);
  const state = { refused: 0, closed: false };
  void (async () => {
    try {
      for await (const frames of socket) {
        // Request: version, request id, domain, address, identity, mechanism, credentials...
        const [version, requestId, , address, , mechanism, credentials] = frames;
        const mech = mechanism?.toString() ?? '';
        const key = credentials && credentials.length === 32 ? z85Encode(credentials) : '';
        const ok = version?.toString() === '1.0' && mech === 'CURVE' && key === allowedClientKey;
        if (!ok) {
          state.refused++;
          log(`refused a ${mech || 'unknown'} handshake from ${address?.toString() ?? '?'}: not the run's client key`);
        }
        await socket.send(['1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'client key not allowed', ok ? 'parsl-cwl' : '', '']);
      }
    } catch (err) {
      if (!state.closed) log(`ZAP handler stopped: ${(err as Error).message}`);
    }
  })();
  return {
    get refused() {
      return state.refused;
    },
    close() {
      state.closed = true;
      socket.close();
    },
  };
}
