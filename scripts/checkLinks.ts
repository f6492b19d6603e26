/**
 * Checks every relative link in README.md, CONTRIBUTING.md and docs/*.md: the file exists, and a
 * `#fragment` names a heading of that file (GitHub's anchor rules: lower case, punctuation dropped,
 * spaces to hyphens). Prints one line per broken link and exits 1 if there is any.
 *   node dist/scripts/checkLinks.js
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const files = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const base = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

let broken = 0;
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
    const [path, fragment] = target.split('#') as [string, string | undefined];
    const resolved = path === '' ? join(root, file) : resolve(dirname(join(root, file)), path);
    if (!existsSync(resolved)) {
      console.log(`${file}: ${target}: no such file`);
      broken++;
    } else if (fragment !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(fragment)) {
      console.log(`${file}: ${target}: no heading #${fragment}`);
      broken++;
    }
  }
}
console.log(broken === 0 ? `links: all relative links in ${files.length} files resolve` : `links: ${broken} broken`);
process.exitCode = broken === 0 ? 0 : 1;
