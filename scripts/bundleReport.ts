/**
 * Build step after `tsc`: the report page's browser code (dist/src/cli/runReport/ui/index.js, which
 * imports @dagrejs/dagre) bundled with esbuild into one minified script, and with the page's CSS
 * into one HTML template, dist/bundle/report-template.html. `parsl-cwl report` only puts the run
 * record into that template (src/cli/runReport/html.ts): no bundler, browser code or network at
 * run time, and the report is one file that opens from disk.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_MARKER } from '../src/cli/runReport/marker.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.dirname(DIST);
const OUT = path.join(DIST, 'bundle', 'report-template.html');

const result = await build({
  entryPoints: [path.join(DIST, 'src', 'cli', 'runReport', 'ui', 'index.js')],
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'iife',
  target: 'chrome110',
  minify: true,
  legalComments: 'inline',
  logLevel: 'warning',
});
const js = result.outputFiles[0]!.text;
const css = readFileSync(path.join(ROOT, 'src', 'cli', 'runReport', 'ui', 'report.css'), 'utf8');
// Text inside <script>/<style> ends at the first `</script` / `</style`: the inlined code must not contain one.
if (/<\/script/i.test(js) || /<\/style/i.test(css)) throw new Error(`${OUT}: the report's script or style contains a closing tag; escape it in src/cli/runReport/ui/`);
const html = [
  '<!doctype html>',
  '<html lang="en"><head><meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width, initial-scale=1">',
  // Nothing is loaded from anywhere: the page's own script and style only.
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
  '<title>parsl-cwl report</title>',
  `<style>${css}</style>`,
  '</head><body><div id="app"></div>',
  // The record: JSON, gzipped, in base64 (src/cli/runReport/html.ts); a type no browser runs.
  `<script id="pcwl-data" type="application/x-pcwl-report">${DATA_MARKER}</script>`,
  `<script>${js}</script>`,
  '</body></html>',
  '',
].join('\n');
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, html);
console.log(`bundled the report page: ${path.relative(ROOT, OUT)} (${Math.round(statSync(OUT).size / 1024)} KiB)`);
