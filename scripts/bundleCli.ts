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
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.dirname(DIST);
const OUT = path.join(DIST, 'bundle', 'run.cjs');
const nodeRequire = createRequire(import.meta.url);

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

/**
 * A hash of every compiled module and of ajv's package.json: caches keyed on it (src/util/buildId.ts)
 * never mix builds. ajv is in it because the validator cache holds code ajv generated; reading
 * ajv's version at run time instead costs a package resolution (~2.5 ms here). An ajv updated in
 * place without a rebuild keeps the key: ajv 8's generated code only calls its runtime helpers
 * (ajv/dist/runtime/*), which 8.x keeps, and an entry that fails to load is a cache miss.
 */
function buildId(): string {
  const hash = createHash('sha1');
  hash.update(readFileSync(nodeRequire.resolve('ajv/package.json')));
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

/**
 * Built-in modules that a one-tool run may never use, loaded at the first call instead of when the
 * module importing them starts. Loading `node:child_process` costs ~1 ms here (it pulls in dgram
 * and the spawn bindings), `node:fs/promises` ~1.5 ms (readline, file watchers, directory streams),
 * `node:net` ~2 ms; a run through the launch spawner forks nothing from Node, and the run path's
 * file work is synchronous. The stand-in is an ES module with one forwarding function per
 * function export (camelCase names: `spawn`, `readFile`, `connect`); constructors and other values
 * are not offered, so importing one is a build error ("No matching export") rather than a silent
 * change of `new`/`instanceof`. An ES module, not CommonJS, because esbuild wraps every CommonJS
 * import in `__toESM`, which copies each export into a new object at every import site.
 */
const LAZY_BUILTINS = ['node:child_process', 'node:fs/promises', 'node:net'];
const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(b) {
    // The stand-in's own require of the module is the real one (external), not the stand-in again.
    b.onResolve({ filter: new RegExp(`^(${LAZY_BUILTINS.join('|')})$`) }, (args) =>
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const mod = nodeRequire(args.path) as Record<string, unknown>;
      const functions = Object.keys(mod).filter((k) => /^[a-z][\w$]*$/.test(k) && typeof Object.getOwnPropertyDescriptor(mod, k)?.value === 'function');
      return {
        contents: [
          'let m;',
          `const load = () => (m ??= require(${JSON.stringify(args.path)}));`,
          ...functions.map((k) => `export function ${k}(...args) { return load().${k}(...args); }`),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * Every other `node:` module the bundle imports goes through a small ES module facade: esbuild
 * wraps a CommonJS module imported by an ES module in `__toESM`, which builds a new object with one
 * getter closure per export on every import site (node:path alone had 17). That was the largest
 * allocation of a one-tool run and part of the reason it needed two young-generation collections
 * (~5 ms). The facade exports the module as `default` and each export as a constant read once;
 * modules with accessor exports (node:fs's `promises`) are left alone, a constant would read them.
 */
const facades: Plugin = {
  name: 'builtin-facades',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'builtin-facade' || LAZY_BUILTINS.includes(args.path)) return undefined;
      const mod = nodeRequire(args.path) as Record<string, unknown>;
      const names = Object.keys(mod);
      if (names.some((k) => Object.getOwnPropertyDescriptor(mod, k)?.get !== undefined)) return undefined;
      return { path: args.path, namespace: 'builtin-facade' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-facade' }, (args) => {
      const names = Object.keys(nodeRequire(args.path) as object).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      return {
        contents: [`const m = require(${JSON.stringify(args.path)});`, 'export default m;', ...names.map((k) => `export const ${k} = m.${k};`)].join('\n'),
        loader: 'js',
      };
    });
    b.onResolve({ filter: /^node:/, namespace: 'builtin-facade' }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The bundle is the body of the function the launcher calls (launch.cts): it is written already
 * wrapped, so the launcher compiles the file's text as it is, without building a second 200 KiB
 * string around it (~1 ms of copying and fresh pages on every start).
 */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname, __pcwlImport) {';
const WRAPPER_END = '})';

await build({
  entryPoints: [path.join(DIST, 'src', 'cli', 'runEntry.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  define: { __PCWL_BUILD_ID__: JSON.stringify(buildId()) },
  plugins: [lazyBuiltins, facades, rewrites],
  // Whitespace and syntax minified (390 KiB → 284 KiB: the file is read on every start), names
  // kept as they are. Minified names would need esbuild's keepNames to keep class names right
  // (error classes name themselves after their class, errors.ts): one `__name(fn, "...")` call
  // per function as each module starts, ~150 KiB of young-generation garbage in a one-tool run,
  // which cost as much as the 70 KiB it saved in reading (measured: 123.2 vs 124.9 ms median,
  // interleaved). The build checks below that no class was renamed. The source map (used with
  // --debug) leads back to dist/ and src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  banner: {
    js: `${WRAPPER_START}var __pcwlModuleUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, "..", rel)).href;`,
  },
  footer: { js: WRAPPER_END },
  logLevel: 'warning',
});
const bundled = readFileSync(OUT, 'utf8');
// esbuild renames a top-level name that two modules share (`Foo` becomes `Foo2`); for a class that
// changes its `name`, which errors report (errors.ts): make the names unique instead.
const renamedClass = /\bclass ([A-Za-z_$][\w$]*[A-Za-z_$]\d+)\b/.exec(bundled);
if (renamedClass) throw new Error(`${OUT}: class ${renamedClass[1]} looks renamed by the bundler (two modules declare the same class name); give one of them another name`);
// The launcher reads the file as latin1 (no UTF-8 decoding): exact only for ASCII, which esbuild's
// default `charset: 'ascii'` gives by escaping everything else.
const nonAscii = /[^\x00-\x7f]/.exec(bundled);
if (nonAscii) throw new Error(`${OUT}: a non-ASCII character at offset ${nonAscii.index}; the launcher reads the bundle as latin1`);
if (!bundled.startsWith(WRAPPER_START) || !/\}\)\s*(\/\/# sourceMappingURL=\S+\s*)?$/.test(bundled)) {
  throw new Error(`${OUT}: expected the bundle wrapped in "${WRAPPER_START} ... ${WRAPPER_END}"; check the banner and footer options`);
}
const leftover = /[^\w$.]import\(/.exec(bundled);
if (leftover) {
  const line = bundled.slice(0, leftover.index).split('\n').length;
  throw new Error(`${OUT}:${line}: a dynamic import() is left in the bundle; use a static specifier (a node: module, a package or a relative path)`);
}
console.log(`bundled the run path: ${path.relative(ROOT, OUT)} (${Math.round(statSync(OUT).size / 1024)} KiB)`);
