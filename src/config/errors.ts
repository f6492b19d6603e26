/** Errors of the configuration layer. */
import { ErrorCode, ParslCwlError } from '../util/index.js';

/** Thrown when a config file cannot be read, is not YAML, or does not match the schema. */
export class ConfigInvalidError extends ParslCwlError {
  constructor(readonly file: string, readonly field: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.ConfigInvalid, `config ${file}${field ? `, field '${field}'` : ''}: ${reason}; see docs/configuration.md`, { ...options, data: { file, field } });
  }
}
