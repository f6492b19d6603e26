/**
 * Launcher of `parsl-cwl DOC [JOB]` (bin/parsl-cwl execs `node dist/src/cli/launch.cjs`).
 *
 * A small tool's run is mostly Node start-up, and most of that was module loading: resolving,
 * reading and compiling some 70 ES modules on every run (docs/running-tools.md). So the run path is also
 * built as one CommonJS file (dist/bundle/run.cjs, scripts/bundleCli.ts) that this launcher
 * compiles with `vm.Script` and V8's code cache: the first run writes the cache (the functions V8
 * compiled during that run included), later runs skip parsing and compiling. Node 20 has no
 * built-in compile cache; the one of Node 22+ (`module.enableCompileCache`) keeps only what V8
 * compiled when the module was loaded, and measured slower on 22, 24 and 26 (docs/running-tools.md,
 * "Node's own compile cache"), hence doing it here on every version.
 *
 * This file is CommonJS on purpose: an ES module entry would pay for the ESM loader it avoids.
 * Without a bundle (a `tsc`-only build) it falls back to the ESM entry, which does the same work.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import vm = require('node:vm');
import nodeModule = require('node:module');
import url = require('node:url');

const DIST = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(DIST, 'bundle', 'run.cjs');

/** What the launcher hands the run (runEntry.ts's LaunchSettings). */
interface LaunchSettings {
  launchSpawnerSocket?: string | undefined;
  deferredExtraCaCerts?: string | undefined;
}

/** src/cli/runEntry.ts, bundled or not. */
interface RunEntry {
  runCommandLine(argv: string[], settings: LaunchSettings): void;
}

/**
 * bin/parsl-cwl moves NODE_EXTRA_CA_CERTS aside before starting Node, because Node 20 loads the
 * whole certificate store at start-up when it is set (docs/running-tools.md) and a run does no TLS of its
 * own: remote documents are fetched with the file's certificates passed explicitly (the file goes
 * to the run in its settings, for cwl/load/remoteText.ts). Put the variable back so every process
 * we start sees the user's environment as is. Returns the file.
 */
function restoreExtraCaCerts(): string | undefined {
  const moved = process.env.PARSL_CWL_NODE_EXTRA_CA_CERTS;
  if (moved === undefined) return undefined;
  process.env.NODE_EXTRA_CA_CERTS = moved;
  delete process.env.PARSL_CWL_NODE_EXTRA_CA_CERTS;
  return moved;
}

/**
 * bin/parsl-cwl starts Node through `pcwl-spawner --launch` (src/native/spawner.c) when it was
 * built: the spawner that will start this run's tool commands, so they need no fork of Node. Its
 * socket's name comes in PARSL_CWL_SPAWNER_SOCKET; it goes to the process supervisor
 * (runCommandLine's settings) and out of the environment: the spawner accepts only this process,
 * and no process we start should believe it has one.
 */
function takeLaunchSpawnerSocket(): string | undefined {
  const name = process.env.PARSL_CWL_SPAWNER_SOCKET;
  delete process.env.PARSL_CWL_SPAWNER_SOCKET;
  return name === '' ? undefined : name;
}

/** One cache file per install, Node version and build of the bundle (size and mtime). */
function codeCacheFile(stat: fs.Stats): { dir: string; file: string; prefix: string } {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'parsl-cwl', 'code');
  let h = 5381;
  for (let i = 0; i < BUNDLE.length; i++) h = ((h * 33) ^ BUNDLE.charCodeAt(i)) >>> 0;
  const prefix = `run-${h.toString(16)}-`;
  const file = path.join(dir, `${prefix}${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}.bin`);
  return { dir, file, prefix };
}

/** Written once, atomically (parallel first runs must not read half a file), older builds' caches removed. */
function writeCodeCache(where: { dir: string; file: string; prefix: string }, data: Buffer): void {
  try {
    fs.mkdirSync(where.dir, { recursive: true });
    const tmp = `${where.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, where.file);
    for (const name of fs.readdirSync(where.dir)) {
      const full = path.join(where.dir, name);
      if (name.startsWith(where.prefix) && full !== where.file && !name.endsWith('.tmp')) fs.rmSync(full, { force: true });
    }
  } catch {
    // A read-only or full cache folder only costs start-up time; the run's result is unaffected.
  }
}

/** The same entry, unbundled (ES modules). */
function runEsmEntry(argv: string[], settings: LaunchSettings): void {
  void import(url.pathToFileURL(path.join(DIST, 'src', 'cli', 'runEntry.js')).href).then((entry: RunEntry) => entry.runCommandLine(argv, settings));
}

function launch(argv: string[], settings: LaunchSettings): void {
  // Set PARSL_CWL_LAUNCH_DEBUG=1 to see which way a run starts (the tests read it).
  const note = process.env.PARSL_CWL_LAUNCH_DEBUG ? (text: string) => process.stderr.write(`parsl-cwl: launch: ${text}\n`) : () => {};
  // --debug runs are for reading stack traces, which the minified bundle would spoil.
  if (argv.includes('--debug')) {
    note('--debug: ES module entry');
    return runEsmEntry(argv, settings);
  }
  let source: string;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(BUNDLE);
    // ASCII only (esbuild escapes the rest; the build checks): latin1 skips UTF-8 validation.
    source = fs.readFileSync(BUNDLE, 'latin1');
  } catch {
    note(`no bundle at ${BUNDLE}: ES module entry`);
    return runEsmEntry(argv, settings);
  }
  let cache: ReturnType<typeof codeCacheFile> | undefined;
  let cachedData: Buffer | undefined;
  try {
    // os.homedir() throws where there is neither HOME nor a passwd entry: then run without a cache.
    cache = codeCacheFile(stat);
    cachedData = fs.readFileSync(cache.file);
  } catch {
    cachedData = undefined;
  }
  // The file is already the wrapper function's text (scripts/bundleCli.ts), compiled as it is.
  const script = new vm.Script(source, {
    filename: BUNDLE,
    cachedData,
  });
  const status = cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  // After the run, so the cache holds the functions this run compiled, not only the top level.
  if (status !== 'hit' && cache !== undefined) {
    const where = cache;
    process.once('exit', () => writeCodeCache(where, script.createCachedData()));
  }
  note(`bundle, code cache ${status} (${cache?.file ?? 'no cache folder'})`);
  const module = { exports: {} as RunEntry };
  const factory = script.runInThisContext() as (e: object, r: NodeRequire, m: object, f: string, d: string, i: (s: string) => Promise<unknown>) => void;
  // The bundle's import() of packages and node: modules (see scripts/bundleCli.ts) is this module's.
  const importFromHere = (specifier: string) => import(specifier);
  factory(module.exports, nodeModule.createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE), importFromHere);
  module.exports.runCommandLine(argv, settings);
}

const deferredExtraCaCerts = restoreExtraCaCerts();
launch(process.argv.slice(2), { launchSpawnerSocket: takeLaunchSpawnerSocket(), deferredExtraCaCerts });
