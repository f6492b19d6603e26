/** The conformance harness: runs the CWL v1.2 conformance suite against any cwl-runner. */
export { checkBaseline, raiseBaseline, readBaseline, unknownBaselineIds, writeBaseline, type Baseline, type BaselineCheck } from './baseline.js';
export { compareOutput, pythonEquals, type CompareOptions, type OutputMismatch } from './compare.js';
export { BaselineInvalidError, ConformanceUsageError, RunnerNotFoundError, SuiteNotFoundError, TestListInvalidError } from './errors.js';
export { runTests, type HarnessOptions, type HarnessRun } from './harness.js';
export { junitXml, type JunitInput } from './junit.js';
export { DEFAULT_TIMEOUT_SECONDS, parseConformanceArgs, USAGE, type ConformanceOptions } from './options.js';
export { defaultRunner, parseRunner, resolveRunner, shellQuote, splitCommand, type RunnerCommand } from './runnerCommand.js';
export { selectTests, type Selection } from './selection.js';
export { locateSuite, packageRoot, PINNED_SUITE, pinnedTarballUrl, type LocateSuiteOptions, type SuiteLocation } from './suiteLocation.js';
export {
  ALL_TAG,
  closingLine,
  countResults,
  formatReport,
  formatSideBySide,
  formatSideBySideMarkdown,
  formatTagTable,
  formatTagTableMarkdown,
  tagTable,
  type Counts,
  type RunnerResults,
  type TagCounts,
} from './summary.js';
export { loadTestList, type ConformanceTest, type TestList } from './testList.js';
export { runConformanceTest, UNSUPPORTED_FEATURE_EXIT, type TestResult, type TestRunOptions, type TestStatus } from './testRun.js';
export { classifyTest, TEST_SETS, testSetIds, type TestSetName } from './testSets.js';
