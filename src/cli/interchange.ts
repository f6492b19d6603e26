/**
 * `parsl-cwl interchange ...`: the HTEX interchange process, started by the executor (not by hand).
 * It stops when the executor says so, when its stdin reaches EOF (the executor's process is gone),
 * or on SIGTERM/SIGINT, telling its pools to stop first.
 */
import { parseArgs } from 'node:util';
import { ErrorCode, ParslCwlError } from '../util/index.js';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'client-address': { type: 'string' },
      'worker-bind': { type: 'string', default: 'tcp://*:*' },
      'cert-dir': { type: 'string' },
      'no-encryption': { type: 'boolean', default: false },
      'heartbeat-period': { type: 'string', default: '5' },
      'heartbeat-threshold': { type: 'string', default: '30' },
    },
    strict: true,
  });
  const clientAddress = values['client-address'];
  if (!clientAddress) throw new ParslCwlError(ErrorCode.UsageError, 'interchange: --client-address is required (the executor starts the interchange)');
  if (!values['cert-dir'] && !values['no-encryption']) {
    throw new ParslCwlError(ErrorCode.UsageError, 'interchange: give --cert-dir, or --no-encryption to run without CurveZMQ');
  }
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} interchange ${process.pid}: ${line}\n`);
  };
  const { Interchange } = await import('../executors/htex/interchange.js');
  const interchange = new Interchange({
    clientAddress,
    workerBind: values['worker-bind'] as string,
    certDir: values['cert-dir'] ?? null,
    heartbeatPeriodMs: seconds(values['heartbeat-period'], 'heartbeat-period') * 1000,
    heartbeatThresholdMs: seconds(values['heartbeat-threshold'], 'heartbeat-threshold') * 1000,
    log,
  });
  process.stdin.on('end', () => void interchange.stop('the executor process is gone (stdin closed)'));
  process.stdin.on('error', () => void interchange.stop('the executor process is gone (stdin failed)'));
  process.stdin.resume();
  process.once('SIGTERM', () => void interchange.stop('SIGTERM'));
  process.once('SIGINT', () => void interchange.stop('SIGINT'));
  try {
    await interchange.start();
  } catch (err) {
    // stdin and the sockets would keep a failed interchange alive: report and leave, so the
    // executor sees the exit (and this log) at once instead of waiting for its start timeout.
    log(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await interchange.stop('start failed');
    process.exit(1);
  }
  await interchange.done();
  // stdin keeps the event loop alive; everything is closed, so leave now.
  process.exit(0);
}

function seconds(text: string | undefined, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ParslCwlError(ErrorCode.UsageError, `interchange: --${name} must be a positive number of seconds, got ${text}`);
  return n;
}
