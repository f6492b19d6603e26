/**
 * Fetching a remote document (`run: https://…`, a document URL on the command line).
 *
 * Normally Node's fetch. But bin/parsl-cwl starts Node without NODE_EXTRA_CA_CERTS (loading the
 * certificate store at every start costs start-up time on Node 20, see src/cli/launch.cts) and hands
 * the run the file it moved aside (extraCaCerts.ts); Node's default trust store then lacks those certificates, so an https request made
 * here passes Node's roots plus that file explicitly.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { deferredExtraCaCerts } from './extraCaCerts.js';

export class RemoteFetchError extends Error {}

const MAX_REDIRECTS = 5;

export async function fetchRemoteText(url: string): Promise<string> {
  const caFile = deferredExtraCaCerts();
  if (caFile === undefined || !url.startsWith('https:')) {
    const response = await fetch(url);
    if (!response.ok) throw new RemoteFetchError(`HTTP ${response.status} ${response.statusText}`);
    return response.text();
  }
  let ca: string[];
  try {
    ca = [...rootCertificates, readFileSync(caFile, 'utf8')];
  } catch (err) {
    // Node itself only warns when the file cannot be read; do the same and trust its own roots.
    process.emitWarning(`NODE_EXTRA_CA_CERTS (${caFile}) could not be read: ${(err as Error).message}`);
    ca = [...rootCertificates];
  }
  return getWithRedirects(url, ca, MAX_REDIRECTS);
}

function getWithRedirects(url: string, ca: string[], redirectsLeft: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        if (redirectsLeft === 0) return reject(new RemoteFetchError(`more than ${MAX_REDIRECTS} redirects`));
        const next = new URL(location, url).href;
        if (!next.startsWith('https:')) return resolve(fetchRemoteText(next));
        return resolve(getWithRedirects(next, ca, redirectsLeft - 1));
      }
      if (status < 200 || status >= 300) {
        response.resume();
        return reject(new RemoteFetchError(`HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd()));
      }
      response.setEncoding('utf8');
      let text = '';
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
