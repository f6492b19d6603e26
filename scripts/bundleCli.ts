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
import { readFileSync, statSync } from 'node:fs';
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
 * - `import('node:…')` and `import('<package>')` (loaded lazily to keep start-up short) become
 *   `require` with an ES-namespace view (`default` is module.exports, as Node's own import of
 *   CommonJS gives). Code compiled by `vm.Script` has no dynamic import() without an experimental
 *   Node feature, so the bundle must not contain any; the build checks that below.
 */
const DYNAMIC_IMPORT = /\bimport\((['"])((?:node:)?[a-z@][^'"]*)\1\)/g;
const rewrites: Plugin = {
  name: 'module-urls-and-lazy-requires',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      const rel = path.relative(DIST, args.path).split(path.sep).join('/');
      text = text.replaceAll('import.meta.url', `__pcwlModuleUrl(${JSON.stringify(rel)})`);
      text = text.replace(DYNAMIC_IMPORT, (_m, _q: string, spec: string) => `Promise.resolve().then(() => __pcwlNamespace(require(${JSON.stringify(spec)})))`);
      return { contents: text, loader: 'js' };
    });
  },
};

// Packages stay in node_modules and are `require`d when first used (most runs never load the CWL
// parser or ajv: the document cache answers). execa is ESM-only, which `require` cannot load on
// Node 20 before 20.19, so it goes into the bundle.
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const external = Object.keys(pkg.dependencies ?? {})
  .filter((name) => name !== 'execa')
  .flatMap((name) => [name, `${name}/*`]);

await build({
  entryPoints: [path.join(DIST, 'src', 'cli', 'runEntry.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external,
  plugins: [rewrites],
  banner: {
    js: [
      'var __pcwlModuleUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, "..", rel)).href;',
      'var __pcwlNamespace = (m) => Object.assign(Object.create(null), m, { default: m });',
    ].join('\n'),
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
