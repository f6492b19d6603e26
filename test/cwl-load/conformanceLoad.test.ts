/**
 * Every document of the CWL v1.2 conformance suite loads, and every job file prepares against its
 * process, except the tests that are meant to fail on an invalid document or input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { loadProcess, LoadCache } from '../../src/cwl/load/index.js';
import { loadJobFile, prepareInputs } from '../../src/cwl/inputs/index.js';
import { ParslCwlError } from '../../src/util/errors.js';
import { SUITE, suiteMissing } from './fixtures.js';

interface SuiteTest {
  id: string;
  tool?: string;
  job?: string | null;
  should_fail?: boolean;
  tags?: string[];
  base: string;
}

/**
 * The suite's index files use flow sequences that js-yaml 5 rejects ("deficient indentation");
 * read them with js-yaml 4, the parser the conformance harness uses for them.
 */
function readIndex(file: string): SuiteTest[] {
  const yaml4 = createRequire(import.meta.url)('js-yaml-4') as { load(text: string): unknown };
  const out: SuiteTest[] = [];
  for (const entry of yaml4.load(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>) {
    if (typeof entry.$import === 'string') out.push(...readIndex(resolve(dirname(file), entry.$import)));
    else out.push({ ...(entry as unknown as SuiteTest), base: dirname(file) });
  }
  return out;
}

/** Should-fail tests whose document or inputs are invalid: the loader must reject them. */
const INVALID_DOCUMENTS = new Map<string, string>([
  ['invalid_syntax_v10_uses_v12_tool', 'PCWL_DOCUMENT_INVALID'],
  ['invalid_syntax_v11_uses_v12_tool', 'PCWL_DOCUMENT_INVALID'],
  ['invalid_syntax_v10_uses_v12_workflow', 'PCWL_DOCUMENT_INVALID'],
  ['invalid_syntax_v11_uses_v12_workflow', 'PCWL_DOCUMENT_INVALID'],
  ['invalid_syntax_mixed_v12_workflow', 'PCWL_DOCUMENT_INVALID'],
  ['timelimit_invalid', 'PCWL_DOCUMENT_INVALID'],
  ['expression_any_nodefaultany', 'PCWL_INPUT_INVALID'],
  ['expression_any_null_nodefaultany', 'PCWL_INPUT_INVALID'],
  ['any_without_defaults_unspecified_fails', 'PCWL_INPUT_INVALID'],
  ['any_without_defaults_specified_fails', 'PCWL_INPUT_INVALID'],
  // The workflow checker (src/cwl/workflow/staticCheck.ts): all_non_null of two sources is an
  // array, wired into a `string` output.
  ['all_non_null_multi_with_non_array_output', 'PCWL_WORKFLOW_INVALID'],
  ['all_non_null_multi_with_non_array_output_nojs', 'PCWL_WORKFLOW_INVALID'],
]);

test('every conformance document and job loads, except the invalid ones, which fail with the right code', { skip: suiteMissing }, async () => {
  const tests = readIndex(join(SUITE, 'conformance_tests.yaml')).filter((t) => t.tool);
  assert.ok(tests.length > 350, `found ${tests.length} tests`);
  const cache = new LoadCache();
  const unexpected: string[] = [];
  const rejected = new Map<string, string>();
  for (const t of tests) {
    try {
      const process = await loadProcess(resolve(t.base, t.tool as string), { cache });
      const job = t.job ? await loadJobFile(resolve(t.base, t.job)) : { inputs: {}, uri: `file://${t.base}/` };
      // Job files in the suite are shared between tools; extra keys are ignored, as cwltool does.
      await prepareInputs(process, job.inputs, { baseUri: job.uri, unknownInputs: 'warn' });
    } catch (err) {
      const code = err instanceof ParslCwlError ? err.code : 'not a ParslCwlError';
      rejected.set(t.id, code);
      if (!INVALID_DOCUMENTS.has(t.id)) unexpected.push(`${t.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  assert.deepEqual(unexpected, [], `documents that should load:\n${unexpected.join('\n')}`);
  for (const [id, code] of INVALID_DOCUMENTS) assert.equal(rejected.get(id), code, id);
});
