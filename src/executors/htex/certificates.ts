/**
 * CurveZMQ key pairs for one run (issue 6: encryption on by default, as in Parsl since 2024).
 *
 * Fresh server and client key pairs are written to `runinfo/NNN/certificates/` (folder 0700, files
 * 0600). Pools receive the folder's path (a shared filesystem), never keys on a command line, where
 * `ps` would show them to every user of the node. The server pair is used by whichever end binds
 * (the executor for its link to the interchange, the interchange for its link to pools); the client
 * pair by whichever end connects. Servers accept only the run's client public key (zapAuthenticator).
 */
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateError } from './errors.js';

export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** What a binding (server) end needs. */
export interface ServerKeys {
  server: CurveKeyPair;
  /** The only client key the server accepts. */
  clientPublicKey: string;
}

/** What a connecting (client) end needs. */
export interface ClientKeys {
  client: CurveKeyPair;
  serverPublicKey: string;
}

// `*.key_secret` hold a pair, `*.key` only the public half: a connecting end never reads the
// server's secret, a binding end never reads the client's.
const SERVER_SECRET = 'server.key_secret';
const SERVER_PUBLIC = 'server.key';
const CLIENT_SECRET = 'client.key_secret';
const CLIENT_PUBLIC = 'client.key';

/** Create `<runDir>/certificates` with fresh key pairs; returns the folder. */
export async function createCertificates(runDir: string): Promise<string> {
  const dir = join(runDir, 'certificates');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for an existing folder: set it explicitly.
  await chmod(dir, 0o700);
  const zmq = await import('zeromq');
  for (const [secretName, publicName] of [
    [SERVER_SECRET, SERVER_PUBLIC],
    [CLIENT_SECRET, CLIENT_PUBLIC],
  ] as const) {
    const pair = zmq.curveKeyPair();
    await writeKeyFile(join(dir, secretName), pair);
    await writeKeyFile(join(dir, publicName), { publicKey: pair.publicKey });
  }
  return dir;
}

async function writeKeyFile(file: string, pair: Partial<CurveKeyPair>): Promise<void> {
  // 'wx': never overwrite (a stale folder from another run is an error, not something to reuse).
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(pair) + '\n');
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
}

async function readKeyFile(dir: string, name: string): Promise<Partial<CurveKeyPair>> {
  const file = join(dir, name);
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw new CertificateError(dir, `${name} cannot be read`, { cause: err });
  }
  // Like ssh: a secret readable by others is refused rather than used.
  if ((info.mode & 0o077) !== 0) {
    throw new CertificateError(dir, `${name} has mode ${(info.mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${file})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CertificateError(dir, `${name} is not a key file written by parsl-cwl`, { cause: err });
  }
  const p = parsed as Partial<CurveKeyPair> | null;
  const isKey = (k: unknown): k is string => typeof k === 'string' && k.length === 40;
  if (!p || !isKey(p.publicKey) || (p.secretKey !== undefined && !isKey(p.secretKey))) {
    throw new CertificateError(dir, `${name} does not hold a Z85 CurveZMQ key`);
  }
  return p;
}

async function readPair(dir: string, name: string): Promise<CurveKeyPair> {
  const p = await readKeyFile(dir, name);
  if (p.publicKey === undefined || p.secretKey === undefined) throw new CertificateError(dir, `${name} holds no secret key`);
  return { publicKey: p.publicKey, secretKey: p.secretKey };
}

async function readPublic(dir: string, name: string): Promise<string> {
  const p = await readKeyFile(dir, name);
  if (p.publicKey === undefined) throw new CertificateError(dir, `${name} holds no public key`);
  return p.publicKey;
}

export async function loadServerKeys(dir: string): Promise<ServerKeys> {
  const [server, clientPublicKey] = await Promise.all([readPair(dir, SERVER_SECRET), readPublic(dir, CLIENT_PUBLIC)]);
  return { server, clientPublicKey };
}

export async function loadClientKeys(dir: string): Promise<ClientKeys> {
  const [client, serverPublicKey] = await Promise.all([readPair(dir, CLIENT_SECRET), readPublic(dir, SERVER_PUBLIC)]);
  return { client, serverPublicKey };
}
