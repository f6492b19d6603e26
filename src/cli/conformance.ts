/**
 * `parsl-cwl conformance [options]`: runs the CWL v1.2 conformance suite against a cwl-runner
 * (parsl-cwl by default) and reports per tag; with --baseline it is the conformance ratchet.
 * See docs/conformance.md.
 */
import { stringifyJson } from '../util/index.js';
import { writeFile } from 'node:fs/promises';
import {
  checkBaseline,
  closingLine,
  countResults,
  defaultRunner,
  formatReport,
  formatSideBySide,
  formatSideBySideMarkdown,
  formatTagTableMarkdown,
  junitXml,
  loadTestList,
  locateSuite,
  parseConformanceArgs,
  parseRunner,
  PINNED_SUITE,
  raiseBaseline,
  readBaseline,
  resolveRunner,
  runTests,
  selectTests,
  tagTable,
  testSetIds,
  unknownBaselineIds,
  USAGE,
  writeBaseline,
  BaselineInvalidError,
  type ConformanceOptions,
  type HarnessRun,
  type RunnerCommand,
  type RunnerResults,
  type TestResult,
} from '../conformance/index.js';
import { ExitCode, exitCodeFor } from './exitCodes.js';
import { errorReport } from './report.js';

const say = (line: string): void => void process.stdout.write(line + '\n');
const note = (line: string): void => void process.stderr.write(line + '\n');

export async function main(argv: string[]): Promise<number> {
  try {
    return await runConformance(argv);
  } catch (err) {
    // A usage error exits 2, anything else that stops the harness 1 (src/cli/exitCodes.ts).
    note(errorReport(err, argv.includes('--debug')));
    return exitCodeFor(err);
  }
}

async function runConformance(argv: string[]): Promise<number> {
  const options = parseConformanceArgs(argv.filter((a) => a !== '--debug'));
  if (options.help) {
    say(USAGE);
    return ExitCode.Success;
  }
  const suite = await locateSuite({ ...(options.suite !== undefined ? { suite: options.suite } : {}), log: note });
  const list = await loadTestList(suite.listFile, suite.dir);
  const sets = options.sets.length > 0 ? await testSetIds(options.sets, list.tests, suite.dir) : undefined;
  const tests = selectTests(list.tests, {
    tags: options.tags,
    excludeTags: options.excludeTags,
    ids: options.ids,
    ...(sets ? { setIds: sets.ids } : {}),
  });
  const baseline = options.baseline !== undefined ? await readBaseline(options.baseline, { allowMissing: options.updateBaseline }) : undefined;
  if (baseline && options.baseline !== undefined) {
    const unknown = unknownBaselineIds(baseline, list.tests.map((t) => t.id));
    if (unknown.length > 0) throw new BaselineInvalidError(options.baseline, `lists tests the suite does not have: ${unknown.join(', ')}; remove them from the file`);
  }
  if (options.list) {
    for (const t of tests) say(`${t.id}\t${t.tags.join(',')}`);
    note(`${tests.length} of ${list.tests.length} tests selected`);
    return ExitCode.Success;
  }
  const runner = resolveRunner(options.runner !== undefined ? parseRunner(options.runner) : defaultRunner());
  const others = options.compareWith.map((command) => resolveRunner(parseRunner(command)));
  const controller = new AbortController();
  const interrupt = (): void => {
    note('interrupted: stopping the running tests');
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const runs: { runner: RunnerCommand; run: HarnessRun }[] = [];
  try {
    // The runners take turns over the same tests, so they never compete for the cores.
    for (const each of [runner, ...others]) {
      if (controller.signal.aborted) break;
      note(
        `Running ${tests.length} of ${list.tests.length} conformance tests from ${suite.listFile}` +
          `${sets ? ` (sets ${options.sets.join(', ')} from ${sets.source})` : ''} against ${each.label}, ${options.jobs} at a time, ${options.timeoutSeconds} s timeout each`,
      );
      const run = await runTests({
        runner: each.argv,
        suiteDir: suite.dir,
        tests,
        jobs: options.jobs,
        timeoutSeconds: options.timeoutSeconds,
        signal: controller.signal,
        onResult: progressReporter(options),
      });
      runs.push({ runner: each, run });
    }
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
  const primary = runs[0] as { runner: RunnerCommand; run: HarnessRun };
  const run = primary.run;
  const reportOf = (r: { runner: RunnerCommand; run: HarnessRun }): string =>
    formatReport({ results: r.run.results, wallMs: r.run.wallMs, runnerLabel: r.runner.label, suiteDir: suite.dir, jobs: options.jobs, showFailures: options.showFailures });
  const sideBySide: RunnerResults[] = runs.map((r) => ({ label: r.runner.label, results: r.run.results }));
  if (runs.length > 1) {
    for (const r of runs) say(`== ${r.runner.label} ==\n${reportOf(r)}\n`);
    say(`Side by side (passed/total per tag):\n${formatSideBySide(sideBySide)}\n`);
    say(closingLine(countResults(run.results)));
  } else {
    say(reportOf(primary));
  }
  if (options.json !== undefined) {
    const report = { ...jsonReport(run, runner.label, suite.listFile, options), compared: runs.slice(1).map((r) => jsonReport(r.run, r.runner.label, suite.listFile, options)) };
    await writeFile(options.json, stringifyJson(report, 2) + '\n');
  }
  if (options.junit !== undefined) {
    await writeFile(options.junit, junitXml({ results: run.results, wallMs: run.wallMs, suiteName: `cwl-v1.2 conformance (${runner.label})` }));
  }
  if (options.markdown !== undefined) {
    const table = runs.length > 1 ? formatSideBySideMarkdown(sideBySide) : formatTagTableMarkdown(tagTable(run.results));
    await writeFile(options.markdown, table + '\n');
  }
  if (controller.signal.aborted) return ExitCode.Interrupted;

  if (options.baseline === undefined) return countResults(run.results).failed > 0 ? ExitCode.Failure : ExitCode.Success;
  return ratchet(options.baseline, baseline, run.results, options);
}

/** Failures as they happen (every test with --verbose), and a running tally every 50 tests. */
function progressReporter(options: ConformanceOptions): (result: TestResult, finished: number, total: number) => void {
  const tally = { passed: 0, failed: 0, unsupported: 0 };
  return (result, finished, total) => {
    tally[result.status]++;
    if (result.status === 'failed' || options.verbose) {
      const label = result.status === 'passed' ? 'PASS' : result.status === 'failed' ? 'FAIL' : 'UNSUPPORTED';
      const why = result.reason !== undefined ? `: ${result.reason}` : '';
      note(`[${finished}/${total}] ${label} ${result.id} (${(result.durationMs / 1000).toFixed(1)} s)${why}`);
    }
    if (finished % 50 === 0 && finished < total) note(`[${finished}/${total}] so far ${tally.passed} passed, ${tally.failed} failed, ${tally.unsupported} unsupported`);
  };
}

/** The ratchet: every baseline test must pass; new passes are printed (and added with --update-baseline). */
async function ratchet(file: string, baseline: Awaited<ReturnType<typeof readBaseline>>, results: TestResult[], options: ConformanceOptions): Promise<number> {
  const check = checkBaseline(baseline ?? { description: '', suite: '', sets: [], passing: [] }, results);
  say('');
  say(`Baseline ${file}: ${baseline?.passing.length ?? 0} tests listed, ${check.notRun.length} of them not in this run`);
  for (const r of check.regressions) say(`  REGRESSION ${r.id}: ${r.reason ?? r.status}`);
  if (check.newPasses.length > 0) {
    say(`New passes not yet in the baseline (${check.newPasses.length}): ${check.newPasses.join(', ')}`);
    if (!options.updateBaseline) say('  raise the baseline with: npm run conformance:check -- --update-baseline');
  }
  if (options.updateBaseline && (check.newPasses.length > 0 || baseline === undefined)) {
    const raised = raiseBaseline(baseline, check.newPasses, {
      description: 'Ids of CWL v1.2 conformance tests parsl-cwl passes; `npm run conformance:check` fails when one of them does not. Raise with `npm run conformance:check -- --update-baseline`.',
      suite: `${PINNED_SUITE.repository}@${PINNED_SUITE.commit}`,
      sets: options.sets,
    });
    await writeBaseline(file, raised);
    say(`Wrote ${file}: ${raised.passing.length} tests (${check.newPasses.length} added)`);
  }
  if (check.regressions.length > 0) {
    say(`Ratchet FAILED: ${check.regressions.length} baseline test(s) no longer pass (fix them, or remove them from ${file} on purpose)`);
    return ExitCode.Failure;
  }
  say('Ratchet passed: every baseline test passes');
  return ExitCode.Success;
}

function jsonReport(run: HarnessRun, runnerLabel: string, listFile: string, options: ConformanceOptions): Record<string, unknown> {
  const counts = countResults(run.results);
  return {
    suite: listFile,
    runner: runnerLabel,
    jobs: options.jobs,
    timeoutSeconds: options.timeoutSeconds,
    wallSeconds: run.wallMs / 1000,
    counts,
    summary: closingLine(counts),
    tags: tagTable(run.results),
    tests: run.results.map((r) => ({
      id: r.id,
      tags: r.tags,
      status: r.status,
      reason: r.reason,
      seconds: r.durationMs / 1000,
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      command: r.command,
    })),
  };
}
