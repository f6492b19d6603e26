/**
 * Errors specific to the HighThroughputExecutor's processes and wire. Task-level losses
 * (WorkerLost, ManagerLost) are the executor layer's classes in ../errors.ts.
 */
import { ErrorCode, ParslCwlError, registerRemoteError } from '../../util/index.js';

/** Thrown when the interchange process does not start, dies, or stops answering. */
export class InterchangeFailedError extends ParslCwlError {
  constructor(readonly label: string, reason: string, options?: { cause?: unknown; logFile?: string }) {
    super(
      ErrorCode.InterchangeFailed,
      `executor '${label}': interchange ${reason}${options?.logFile ? `; see its log ${options.logFile}` : ''}`,
      { cause: options?.cause, data: { label, logFile: options?.logFile } },
    );
  }
}

/** Thrown when a pool's package, protocol or Node version differs from the interchange's. */
export class VersionMismatchError extends ParslCwlError {
  constructor(readonly poolId: string, readonly hostname: string, readonly mismatch: string) {
    super(
      ErrorCode.VersionMismatch,
      `pool ${poolId} on ${hostname} runs a different version (${mismatch}); install the same parsl-cwl and Node on every node`,
      { data: { poolId, hostname, mismatch } },
    );
  }
}

/** Thrown when a message received on an HTEX link is not valid for that link. */
export class ProtocolError extends ParslCwlError {
  constructor(readonly link: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.ProtocolError, `${link}: ${reason}; are both ends the same parsl-cwl version?`, { ...options, data: { link } });
  }
}

registerRemoteError(ErrorCode.VersionMismatch, (j) => {
  const d = j.data ?? {};
  return new VersionMismatchError(String(d.poolId), String(d.hostname), String(d.mismatch));
});

/** Thrown when the run's CurveZMQ certificate folder is missing, malformed or too open. */
export class CertificateError extends ParslCwlError {
  constructor(readonly certDir: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.CertificateInvalid, `certificates in ${certDir}: ${reason}`, { ...options, data: { certDir } });
  }
}
