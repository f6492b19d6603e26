export { HighThroughputExecutor } from './executor.js';
export { HTEX_DEFAULTS } from './options.js';
export type { HtexOptions } from './options.js';
export { InterchangeFailedError, VersionMismatchError, ProtocolError, CertificateError } from './errors.js';
export type { ManagerInfo, CommandRequest, CommandReply } from './protocol.js';
