/**
 * The options of `parsl-cwl conformance` / `npm run conformance --`, with their defaults in one place.
 */
import os from 'node:os';
import { ConformanceUsageError } from './errors.js';
import { isTestSetName, TEST_SETS, type TestSetName } from './testSets.js';

export interface ConformanceOptions {
  /** A suite folder (holding conformance_tests.yaml) or a test list file. */
  suite?: string;
  /** The runner command line; default parsl-cwl itself. */
  runner?: string;
  /** More runners to run the same tests with, one after another, reported side by side. */
  compareWith: string[];
  tags: string[];
  excludeTags: string[];
  ids: string[];
  sets: TestSetName[];
  /** Tests at a time. */
  jobs: number;
  /** Per test. */
  timeoutSeconds: number;
  json?: string;
  junit?: string;
  /** Write the per-tag table (side by side with --compare-with) as Markdown. */
  markdown?: string;
  showFailures: boolean;
  /** Check this baseline: fail only when a listed test does not pass. */
  baseline?: string;
  /** Add the new passes to the baseline file. */
  updateBaseline: boolean;
  /** Print every test as it finishes, not only failures. */
  verbose: boolean;
  /** Print the selected tests and exit without running them. */
  list: boolean;
  help: boolean;
}

export const DEFAULT_TIMEOUT_SECONDS = 600;

export const USAGE = `Usage: parsl-cwl conformance [options]
Runs the CWL v1.2 conformance suite against a cwl-runner (default: this parsl-cwl).

  --suite DIR|FILE      suite folder holding conformance_tests.yaml, or a test list file
                        (default: ../shared/cwl-v1.2 beside this package, else a cached
                        download of cwl-v1.2 at the pinned commit)
  --runner CMD          runner command line, e.g. "cwltool --no-container"
  --compare-with CMD    also run the same tests with CMD (repeatable); prints a side-by-side
                        per-tag table (the exit status and ratchet follow --runner)
  --set S[,S]           test sets: ${TEST_SETS.join(', ')} (tool + workflow = container-free)
  --tags a,b            only tests with any of these tags
  --exclude-tags a,b    skip tests with any of these tags
  --ids a,b             only these tests
  -j, --jobs N          tests at a time (default: number of cores)
  --timeout S           seconds per test before it fails (default ${DEFAULT_TIMEOUT_SECONDS})
  --json FILE           write every result as JSON
  --junit FILE          write JUnit XML
  --markdown FILE       write the per-tag table (side by side with --compare-with) as Markdown
  --show-failures       print the command, expected vs actual and stderr of each failure
  --baseline FILE       ratchet: fail only when a test listed in FILE does not pass
  --update-baseline     with --baseline: add the new passes to FILE
  --list                print the selected tests without running them
  -v, --verbose         print every test as it finishes
  -h, --help            this help

Exit status: 0 when no test failed (with --baseline: no listed test failed), 1 otherwise,
2 for a usage error.`;

export function parseConformanceArgs(argv: string[]): ConformanceOptions {
  const options: ConformanceOptions = {
    compareWith: [],
    tags: [],
    excludeTags: [],
    ids: [],
    sets: [],
    jobs: os.availableParallelism(),
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    showFailures: false,
    updateBaseline: false,
    verbose: false,
    list: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new ConformanceUsageError(`${name} needs a value`);
      return next;
    };
    const flag = (): true => {
      if (eq !== -1) throw new ConformanceUsageError(`${name} takes no value`);
      return true;
    };
    switch (name) {
      case '--suite':
        options.suite = value();
        break;
      case '--runner':
        options.runner = value();
        break;
      case '--compare-with':
        options.compareWith.push(value());
        break;
      case '--tags':
        options.tags.push(...list(value()));
        break;
      case '--exclude-tags':
        options.excludeTags.push(...list(value()));
        break;
      case '--ids':
        options.ids.push(...list(value()));
        break;
      case '--set':
        for (const set of list(value())) {
          if (!isTestSetName(set)) throw new ConformanceUsageError(`unknown --set '${set}'; the sets are ${TEST_SETS.join(', ')}`);
          options.sets.push(set);
        }
        break;
      case '-j':
      case '--jobs':
      case '--parallel':
        options.jobs = positiveInteger(name, value());
        break;
      case '--timeout':
        options.timeoutSeconds = positiveNumber(name, value());
        break;
      case '--json':
        options.json = value();
        break;
      case '--junit':
      case '--junit-xml':
        options.junit = value();
        break;
      case '--markdown':
        options.markdown = value();
        break;
      case '--show-failures':
        options.showFailures = flag();
        break;
      case '--baseline':
        options.baseline = value();
        break;
      case '--update-baseline':
        options.updateBaseline = flag();
        break;
      case '--list':
        options.list = flag();
        break;
      case '-v':
      case '--verbose':
        options.verbose = flag();
        break;
      case '-h':
      case '--help':
        options.help = flag();
        break;
      default:
        if (/^-j\d+$/.test(arg)) options.jobs = positiveInteger('-j', arg.slice(2));
        else throw new ConformanceUsageError(`unknown option '${arg}'`);
    }
  }
  if (options.updateBaseline && options.baseline === undefined) throw new ConformanceUsageError('--update-baseline needs --baseline FILE');
  return options;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConformanceUsageError(`${name} must be a whole number of at least 1, not '${value}'`);
  return n;
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConformanceUsageError(`${name} must be a number of seconds above 0, not '${value}'`);
  return n;
}
