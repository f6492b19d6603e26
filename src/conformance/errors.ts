/**
 * Errors of the conformance harness. One class per failure kind; each says what to do about it.
 * A test that fails is a result, not an error: these are for when the harness itself cannot run.
 */
import { ErrorCode, ParslCwlError } from '../util/index.js';

/** Thrown when no copy of the conformance suite can be found or downloaded. */
export class SuiteNotFoundError extends ParslCwlError {
  constructor(
    readonly tried: string[],
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.SuiteNotFound,
      `no CWL v1.2 conformance suite found (tried: ${tried.join('; ')}); ` +
        'pass --suite DIR pointing at a checkout of common-workflow-language/cwl-v1.2 (the folder holding conformance_tests.yaml)',
      { ...options, data: { tried } },
    );
  }
}

/** Thrown when a test list (conformance_tests.yaml or an `$import`ed one) is not a valid list of tests. */
export class TestListInvalidError extends ParslCwlError {
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.TestListInvalid, `${file}: ${reason}`, { ...options, data: { file } });
  }
}

/** Thrown when conformance/baseline.json is unreadable or names tests the suite does not have. */
export class BaselineInvalidError extends ParslCwlError {
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.BaselineInvalid, `${file}: ${reason}`, { ...options, data: { file } });
  }
}

/** Thrown before any test runs when the runner command cannot be found or executed. */
export class RunnerNotFoundError extends ParslCwlError {
  constructor(readonly command: string[]) {
    super(
      ErrorCode.RunnerNotFound,
      `runner '${command[0] ?? ''}' is not an executable file and was not found on PATH; ` +
        'pass --runner "CMD [ARGS]" naming an installed cwl-runner (for parsl-cwl itself, run `npm run build` first)',
      { data: { command } },
    );
  }
}

/** Thrown when the `conformance` command line is wrong (unknown option, bad value). */
export class ConformanceUsageError extends ParslCwlError {
  constructor(reason: string) {
    super(ErrorCode.UsageError, `conformance: ${reason} (see parsl-cwl conformance --help)`);
  }
}
