/**
 * JUnit XML for CI systems: one <testcase> per test; a failure carries its reason and detail,
 * an unsupported test is <skipped>.
 */
import type { TestResult } from './testRun.js';
import { countResults } from './summary.js';

export interface JunitInput {
  results: TestResult[];
  wallMs: number;
  /** The <testsuite> name, e.g. `cwl-v1.2 conformance (cwltool --no-container)`. */
  suiteName: string;
  timestamp?: Date;
}

export function junitXml(input: JunitInput): string {
  const counts = countResults(input.results);
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${counts.total}" failures="${counts.failed}" skipped="${counts.unsupported}" errors="0" time="${seconds(input.wallMs)}">`,
    `  <testsuite name="${attr(input.suiteName)}" tests="${counts.total}" failures="${counts.failed}" skipped="${counts.unsupported}" errors="0" time="${seconds(input.wallMs)}" timestamp="${(input.timestamp ?? new Date()).toISOString()}">`,
  ];
  for (const r of input.results) {
    const classname = `conformance.${r.tags[0] ?? 'required'}`;
    const open = `    <testcase name="${attr(r.id)}" classname="${attr(classname)}" time="${seconds(r.durationMs)}"`;
    if (r.status === 'passed') {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (r.status === 'unsupported') {
      lines.push(`      <skipped message="${attr(r.reason ?? 'unsupported feature')}"/>`);
    } else {
      lines.push(`      <failure message="${attr(r.reason ?? 'failed')}" type="failure">${text(r.detail ?? '')}</failure>`);
      if (r.stdout !== '') lines.push(`      <system-out>${text(r.stdout)}</system-out>`);
      if (r.stderrTail !== '') lines.push(`      <system-err>${text(r.stderrTail)}</system-err>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return). */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return value.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
