/**
 * Build step after `tsc`: bundles the run path of the CLI (dist/src/cli/runEntry.js and everything
 * it imports from dist/src) into one CommonJS file, dist/bundle/run.cjs, which src/cli/launch.cts
 * compiles with V8's code cache. tsc stays the compiler; esbuild only joins its output.
 *
 * Why esbuild: a bundler has to follow static and dynamic imports, keep the lazy evaluation of
 * dynamically imported modules and rewrite ESM to CommonJS correctly; esbuild does this in ~50 ms
 * and is maintained, where a hand-written joiner would be a second module system to keep right.
 */
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.dirname(DIST);
const OUT = path.join(DIST, 'bundle', 'run.cjs');

/**
 * Two rewrites of tsc's output on the way into the bundle:
 * - Modules find files next to themselves with `import.meta.url` (the document cache folder, the
 *   package.json, the HTEX pool script). In the bundle each module keeps its own original URL,
 *   computed at run time from the bundle's place, so an installed copy in another folder still works.
 * - `import('<package>')` (packages stay in node_modules and load lazily, most runs never need the
 *   CWL parser, ajv, zeromq or execa) calls `__pcwlImport`, which the launcher
 *   passes in: code compiled by `vm.Script` has no import() of its own without an experimental Node
 *   feature, while the launcher is an ordinary module whose import() is Node's. The bundle must not
 *   contain any other import(); the build checks that below.
 */
const DYNAMIC_IMPORT = /\bimport\((['"])((?:node:)?[a-z@][^'"]*)\1\)/g;
const rewrites: Plugin = {
  name: 'module-urls-and-package-imports',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      const rel = path.relative(DIST, args.path).split(path.sep).join('/');
      text = text.replaceAll('import.meta.url', `__pcwlModuleUrl(${JSON.stringify(rel)})`);
      // A node: module is one `require` away; import() of it would start Node's ES module loader (~5 ms).
      text = text.replace(DYNAMIC_IMPORT, (_m, _q: string, spec: string) =>
        spec.startsWith('node:') ? `Promise.resolve().then(() => require(${JSON.stringify(spec)}))` : `__pcwlImport(${JSON.stringify(spec)})`,
      );
      return { contents: text, loader: 'js' };
    });
  },
};

/** A hash of every compiled module: caches keyed on it (src/buildId.ts) never mix builds. */
function buildId(): string {
  const hash = createHash('sha1');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) hash.update(`${path.relative(DIST, full)}\0`).update(readFileSync(full));
    }
  };
  walk(path.join(DIST, 'src'));
  return hash.digest('hex').slice(0, 16);
}

await build({
  entryPoints: [path.join(DIST, 'src', 'cli', 'runEntry.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  define: { __PCWL_BUILD_ID__: JSON.stringify(buildId()) },
  plugins: [rewrites],
  // The file is read and its length checked against the code cache on every start, and reading
  // costs ~2 ms per 100 KiB on these machines: minified it is 200 KiB instead of 390. keepNames,
  // because error classes name themselves after their class (errors.ts) and stack traces stay
  // readable; the source map (used with --debug) leads back to dist/ and src/.
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  banner: {
    js: 'var __pcwlModuleUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, "..", rel)).href;',
  },
  logLevel: 'warning',
});
const bundled = readFileSync(OUT, 'utf8');
const leftover = /[^\w$.]import\(/.exec(bundled);
if (leftover) {
  const line = bundled.slice(0, leftover.index).split('\n').length;
  throw new Error(`${OUT}:${line}: a dynamic import() is left in the bundle; use a static specifier (a node: module, a package or a relative path)`);
}
console.log(`bundled the run path: ${path.relative(ROOT, OUT)} (${Math.round(statSync(OUT).size / 1024)} KiB)`);
