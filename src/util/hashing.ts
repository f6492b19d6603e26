/**
 * Hashing without loading `node:crypto` up front. Loading it (15 internal modules) is a visible part of a
 * one-tool run, which hashes only a few small things: its cached document and job texts, the
 * validator cache key and a 21-byte output file. So `node:crypto` is required on first use only,
 * and SHA-1 of small inputs is computed here (FIPS 180-4), which for a few KiB is cheaper than
 * loading the module. Larger inputs go to `node:crypto`, which is much faster per byte.
 */
import { createRequire } from 'node:module';

type NodeCrypto = typeof import('node:crypto');

let crypto: NodeCrypto | undefined;

/** `node:crypto`, loaded on first use. */
export function nodeCrypto(): NodeCrypto {
  crypto ??= createRequire(import.meta.url)('node:crypto') as NodeCrypto;
  return crypto;
}

export function createHash(algorithm: string): ReturnType<NodeCrypto['createHash']> {
  return nodeCrypto().createHash(algorithm);
}

export function randomHex(bytes: number): string {
  return nodeCrypto().randomBytes(bytes).toString('hex');
}

/** Inputs up to this many bytes are hashed here; larger ones by node:crypto. */
const SMALL = 16 * 1024;

/** SHA-1 of a string (as UTF-8) or bytes, as 40 hex digits. */
export function sha1Hex(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (bytes.length > SMALL) return createHash('sha1').update(bytes).digest('hex');
  return sha1Small(bytes);
}

const W = new Int32Array(80);

function sha1Small(message: Uint8Array): string {
  // Padding: a 1 bit, zeros to 56 mod 64 bytes, then the length in bits as a 64-bit big-endian number.
  const length = message.length;
  const padded = new Uint8Array(((length + 8) >>> 6) * 64 + 64);
  padded.set(message);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getInt32(block + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = (W[i - 3] as number) ^ (W[i - 8] as number) ^ (W[i - 14] as number) ^ (W[i - 16] as number);
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + (W[i] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return [h0, h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}
