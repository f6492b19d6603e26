/**
 * The run command's options (cwltool-compatible): `parsl-cwl [options] DOC[#id] [JOB] [--input value ...]`.
 * Options come before DOC; after DOC, an optional job file and then the tool's own inputs.
 */
import { ErrorCode, ParslCwlError } from '../../util/index.js';
import type { ContainerMode } from '../../cwl/containers/settings.js';

export interface RunOptions {
  /** Where final outputs go (default: the current folder). */
  outdir: string;
  quiet: boolean;
  debug: boolean;
  validate: boolean;
  /** Prefix of the temporary folders that hold job folders (default `<os tmpdir>/parsl-cwl-`). */
  tmpdirPrefix?: string;
  /** `--config FILE`: executor/provider configuration (docs/configuration.md); default: local executor. */
  config?: string;
  /** `--provenance DIR`: write the run as a Workflow Run RO-Crate there (run/provenance.ts, docs/report.md). */
  provenance?: string;
  /** Keep job folders after the run (also implied by --debug). */
  leaveTmp: boolean;
  computeChecksum: boolean;
  /** Workflows: one tool job at a time (`--serial`, for debugging); `--parallel` is the default. */
  serial: boolean;
  /** Wall-clock limit of one JavaScript expression, in seconds (cwltool's --eval-timeout). */
  evalTimeoutSec?: number;
  /** Heap limit of the JavaScript expression evaluator thread, in MB (`--eval-memory`). */
  evalMemoryMb?: number;
  /** `--podman`/`--docker`/`--singularity`/`--apptainer`/`--no-container`; absent: the config's, else auto. */
  containerMode?: ContainerMode;
  /** `--default-container IMG`: the image of tools without a DockerRequirement. */
  defaultContainer?: string;
  /** `--cachedir DIR`: the job cache (docs/cache.md); `--no-cache` clears it. */
  cachedir?: string;
  /** `--preserve-environment VAR` (repeatable): the runner's variables given to tools. */
  preserveEnvironment: string[];
  /** `--preserve-entire-environment`: every variable of the runner given to tools. */
  preserveEntireEnvironment: boolean;
  /** `--timestamps`: log lines on stderr start with the time. */
  timestamps: boolean;
  /** `--run-dir DIR`: this run's record goes there instead of the state folder (docs/run-record.md). */
  runDir?: string;
  /** `--no-record`: write no run record (benchmarks measure its cost with it). */
  record: boolean;
  /** `--keep-runs N`: run records kept in the state folder (default 100). */
  keepRuns?: number;
  /** `--disable-pull` (false) / `--enable-pull` (true, the default); the last one given wins, as in cwltool. */
  pull?: boolean;
  /** Use the disk cache of loaded documents (run/documentCache.ts). */
  docCache: boolean;
  version: boolean;
  help: boolean;
  /** DOC, possibly with `#id`. */
  document?: string;
  jobFile?: string;
  /** The words after DOC [JOB]: the tool's inputs (`--name value`). */
  inputArgs: string[];
}

/**
 * cwltool flags accepted because conformance runners and scripts pass them, and which change
 * nothing in this runner; `--help` lists each with the reason (IGNORED_WHY).
 */
export const IGNORED_FLAGS = [
  '--enable-ext',
  '--enable-dev',
  '--strict',
  '--non-strict',
  '--disable-color',
  '--enable-color',
  '--no-read-only',
  '--verbose',
  '--relax-path-checks',
  '--skip-schemas',
  '--move-outputs',
] as const;

/** Why each ignored flag changes nothing here (printed by --help). */
const IGNORED_WHY: Array<[string, string]> = [
  ['--enable-ext, --enable-dev', 'cwltool extensions and development versions are not loaded with or without them (v1.0-v1.2 only)'],
  ['--strict, --non-strict', 'documents are checked by the same rules either way'],
  ['--disable-color, --enable-color', 'the log is never coloured'],
  ['--verbose', 'the default already logs at this level (--debug for more)'],
  ['--relax-path-checks', 'file names are not restricted to begin with'],
  ['--skip-schemas', '$schemas are never fetched'],
  ['--move-outputs', 'outputs are moved into --outdir already (the default)'],
  ['--no-read-only', "a container's root filesystem is never made read-only here"],
];

/** Ignored cwltool options that take a value. */
const IGNORED_WITH_VALUE = new Set<string>([]);

/** cwltool options refused with a reason, since accepting them would silently change nothing. */
const REFUSED: Record<string, string> = {
  '--beta-dependency-resolvers-configuration':
    'SoftwareRequirement is not resolved by parsl-cwl (no conda or modules); put the tools on PATH (or use a container) and drop the option',
};

const WITH_VALUE = new Set(['--outdir', '--tmpdir-prefix', '--tmp-outdir-prefix', '--eval-timeout', '--eval-memory', '--config', '--cachedir', '--preserve-environment', '--default-container', '--run-dir', '--keep-runs', '--provenance', ...IGNORED_WITH_VALUE, ...Object.keys(REFUSED)]);

/** The container engine flags (cwltool's names) and the mode each one chooses. */
const ENGINE_FLAGS: Record<string, ContainerMode> = {
  '--podman': 'podman',
  '--docker': 'docker',
  '--singularity': 'apptainer',
  '--apptainer': 'apptainer',
  '--no-container': 'off',
};

export function parseRunArgs(argv: string[]): RunOptions {
  const opts: RunOptions = {
    outdir: process.cwd(),
    quiet: false,
    debug: false,
    validate: false,
    leaveTmp: false,
    computeChecksum: true,
    serial: false,
    docCache: true,
    preserveEnvironment: [],
    preserveEntireEnvironment: false,
    timestamps: false,
    record: true,
    version: false,
    help: false,
    inputArgs: [],
  };
  let i = 0;
  // --tmp-outdir-prefix (cwltool: where output folders go) names the same folder as --tmpdir-prefix
  // here: a job's output and temporary folders are in one run folder.
  let outdirPrefix: string | undefined;
  let noCache = false;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined;
    if (WITH_VALUE.has(name)) {
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        value = argv[++i];
        if (value === undefined) throw usage(`${name} needs a value`);
      }
    }
    switch (name) {
      case '--outdir':
        opts.outdir = value as string;
        break;
      case '--tmpdir-prefix':
        opts.tmpdirPrefix = value;
        break;
      case '--tmp-outdir-prefix':
        outdirPrefix = value;
        break;
      case '--config':
        opts.config = value;
        break;
      case '--cachedir':
        if (value === '') throw usage('--cachedir needs a folder');
        opts.cachedir = value;
        break;
      case '--no-cache':
        noCache = true;
        break;
      case '--preserve-environment':
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value as string)) throw usage(`--preserve-environment needs a variable name, not '${value}'`);
        opts.preserveEnvironment.push(value as string);
        break;
      case '--preserve-entire-environment':
        opts.preserveEntireEnvironment = true;
        break;
      case '--timestamps':
        opts.timestamps = true;
        break;
      case '--provenance':
        opts.provenance = value;
        break;
      case '--run-dir':
        opts.runDir = value;
        break;
      case '--keep-runs': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw usage(`--keep-runs needs a whole number of runs, at least 1, not '${value}'`);
        opts.keepRuns = n;
        break;
      }
      case '--eval-timeout': {
        const sec = Number(value);
        if (!Number.isFinite(sec) || sec <= 0) throw usage(`--eval-timeout needs a positive number of seconds, not '${value}'`);
        opts.evalTimeoutSec = sec;
        break;
      }
      case '--eval-memory': {
        const mb = Number(value);
        if (!Number.isInteger(mb) || mb < 16) throw usage(`--eval-memory needs a whole number of megabytes, at least 16, not '${value}'`);
        opts.evalMemoryMb = mb;
        break;
      }
      case '--quiet':
        opts.quiet = true;
        break;
      case '--podman':
      case '--docker':
      case '--singularity':
      case '--apptainer':
      case '--no-container': {
        const mode = ENGINE_FLAGS[name] as ContainerMode;
        if (opts.containerMode !== undefined && opts.containerMode !== mode) throw usage(`${name} contradicts an earlier container flag; give one of --podman, --docker, --singularity, --no-container`);
        opts.containerMode = mode;
        break;
      }
      case '--default-container':
        if (value === '') throw usage('--default-container needs an image name');
        opts.defaultContainer = value;
        break;
      case '--disable-pull':
        opts.pull = false;
        break;
      case '--enable-pull':
        opts.pull = true;
        break;
      case '--serial':
        opts.serial = true;
        break;
      case '--parallel':
        opts.serial = false;
        break;
      case '--debug':
        opts.debug = true;
        break;
      case '--validate':
        opts.validate = true;
        break;
      case '--leave-tmp':
      case '--leave-tmpdir':
        opts.leaveTmp = true;
        break;
      case '--no-record':
        opts.record = false;
        break;
      case '--no-doc-cache':
        opts.docCache = false;
        break;
      case '--no-compute-checksum':
        opts.computeChecksum = false;
        break;
      case '--version':
        opts.version = true;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      case '--':
        i++;
        break;
      default:
        if (REFUSED[name] !== undefined) throw usage(`${name} is not supported: ${REFUSED[name]}`);
        if ((IGNORED_FLAGS as readonly string[]).includes(name) || IGNORED_WITH_VALUE.has(name)) break;
        throw usage(`unknown option ${name}; run parsl-cwl --help for the options (tool inputs go after the document)`);
    }
    if (name === '--') break;
  }
  if (outdirPrefix !== undefined) {
    if (opts.tmpdirPrefix !== undefined && opts.tmpdirPrefix !== outdirPrefix) {
      throw usage('--tmp-outdir-prefix and --tmpdir-prefix differ, but parsl-cwl keeps a job\'s output and temporary folders in one run folder: give one of them');
    }
    opts.tmpdirPrefix = outdirPrefix;
  }
  if (noCache) delete opts.cachedir;
  opts.document = argv[i];
  const rest = argv.slice(i + 1);
  // An optional job file comes right after the document; tool inputs start with `-`.
  if (rest[0] !== undefined && !rest[0].startsWith('-')) opts.jobFile = rest.shift();
  opts.inputArgs = rest;
  return opts;
}

function usage(message: string): ParslCwlError {
  return new ParslCwlError(ErrorCode.UsageError, message);
}

export const HELP = `usage: parsl-cwl [options] DOC[#id] [JOB] [--input value ...]

Run a CWL v1.2 CommandLineTool, ExpressionTool or Workflow (cwltool-compatible command line).
The output object is printed as JSON on stdout; logs and errors go to stderr.
\`parsl-cwl DOC --help\` lists DOC's inputs as --input flags.

options:
  --outdir DIR          where final outputs are moved (default: the current folder)
  --config FILE         executor configuration (YAML), e.g. cwl-examples/configs/htex-local.yml
  --provenance DIR      also write the run as a Workflow Run RO-Crate (Provenance Run
                        Crate 0.5) in DIR, a new or empty folder: documents, inputs and
                        outputs with checksums, one action per step run
  --tmpdir-prefix P     prefix for the temporary folders holding job folders
                        (default: <system temp>/parsl-cwl-)
  --leave-tmp           keep job folders after the run (alias --leave-tmpdir)
  --run-dir DIR         keep this run's record (tasks, resource use; docs/run-record.md)
                        in DIR (default: a new folder in $XDG_STATE_HOME/parsl-cwl/runs,
                        default ~/.local/state/parsl-cwl/runs)
  --keep-runs N         run records kept in that state folder (default 100)
  --no-compute-checksum do not compute sha1 checksums of output files (with --cachedir,
                        input files are then keyed by size, mtime and inode)
  --cachedir DIR        job cache: a tool job whose key (tool content, inputs with
                        their checksums, requirements) was stored reuses its outputs;
                        a rerun after a failure runs only what changed (docs/cache.md)
  --no-cache            do not use the job cache (cancels --cachedir)
  --preserve-environment VAR
                        give tools this variable of the runner's environment
                        (repeatable; on HTEX and Slurm workers too)
  --preserve-entire-environment
                        give tools the runner's whole environment
  --tmp-outdir-prefix P the same as --tmpdir-prefix (one run folder holds both)
  --timestamps          log lines on stderr start with the time
  --no-record           write no run record
  --parallel            workflows: run every step instance as soon as its inputs are
                        ready, as many at once as the executor takes (the default)
  --serial              workflows: run one tool job at a time (debugging)
  --no-doc-cache        do not use the disk cache of loaded documents
                        ($XDG_CACHE_HOME/parsl-cwl, default ~/.cache/parsl-cwl)
  --eval-timeout S      time limit of one JavaScript expression, in seconds (default 10)
  --eval-memory MB      heap limit of the thread that runs JavaScript expressions,
                        in megabytes (default 512)
  --podman, --docker, --singularity (alias --apptainer)
                        the container engine for tools with a DockerRequirement
                        (default: the first of podman, docker on PATH, else apptainer)
  --no-container        run every tool with this machine's programs (a required
                        DockerRequirement is then unsupported, exit 33)
  --default-container IMG
                        run tools without a DockerRequirement in image IMG
  --disable-pull        use only images already on the node: a missing one fails the
                        job (PCWL_IMAGE_UNAVAILABLE) instead of being pulled or built
  --enable-pull         pull, load or build missing images (the default)
  --validate            load and validate DOC only; exit 0 if it is valid CWL, 1 if not
  --quiet               only warnings and errors on stderr (no progress)
  --debug               debug log lines, stack traces, and job folders are kept
  --version             print the version and exit
  -h, --help            this help

accepted and ignored (cwltool flags that change nothing here):
${IGNORED_WHY.map(([flags, why]) => `  ${flags}\n      ${why}`).join('\n')}
  ${[...IGNORED_WITH_VALUE].map((f) => `${f} X`).join(' ')}
      this build runs tools without containers

refused (exit 2):
${Object.entries(REFUSED).map(([flag, why]) => `  ${flag}\n      ${why}`).join('\n')}

cache commands: parsl-cwl cache list|prune --older-than D|clear [--cachedir DIR]

tool inputs: after DOC and the optional JOB file, as --name value (--flag for a boolean,
--name a --name b for arrays, a path for File/Directory inputs).

exit codes: 0 success; 1 failure (invalid document or inputs, the tool failed, an output is
missing); 2 a usage error of this command line; 33 an unsupported requirement
(e.g. DockerRequirement under requirements with no container engine); 130 interrupted.
`;
