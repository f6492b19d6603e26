/** Reading test lists: `$import`, paths relative to the suite folder, defaults, and the real suite. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadTestList } from '../../src/conformance/testList.js';
import { classifyTest, testSetIds } from '../../src/conformance/testSets.js';
import { selectTests } from '../../src/conformance/selection.js';
import { packageRoot } from '../../src/conformance/suiteLocation.js';
import { ErrorCode } from '../../src/util/errors.js';
import { TestListInvalidError } from '../../src/conformance/errors.js';
import { tempDir, writeTree } from './fixtures.js';

let suite: string;
before(async () => {
  suite = await tempDir('testlist');
  await writeTree(suite, {
    'conformance_tests.yaml': `
- id: first
  tool: tests/a.cwl
  job: tests/a-job.yml
  output: {out: 1}
  tags: [ required, command_line_tool ]
- $import: tests/sub/test-index.yaml
- id: last
  tool: tests/packed.cwl#main
  should_fail: true
`,
    // The suite's own lists continue flow sequences at the parent's indentation; that must parse.
    'tests/sub/test-index.yaml': `
- id: nested
  doc: a test in an imported list
  tool: wf.cwl
  job: ../shared-job.yml
  output:
    args: [a, b,
    c]
  tags: [ workflow ]
`,
    'tests/a.cwl': 'class: CommandLineTool\ncwlVersion: v1.2\ninputs: []\noutputs: []\nbaseCommand: "true"\n',
    'tests/sub/wf.cwl': 'class: Workflow\ncwlVersion: v1.2\ninputs: []\noutputs: []\nsteps: []\n',
    'tests/packed.cwl': '$graph:\n- id: tool\n  class: CommandLineTool\n  requirements: [{class: DockerRequirement, dockerPull: alpine}]\n- id: main\n  class: Workflow\n',
  });
});
after(async () => {
  await rm(suite, { recursive: true, force: true });
});

test('$import splices the imported tests in place, in order', async () => {
  const list = await loadTestList(path.join(suite, 'conformance_tests.yaml'));
  assert.deepEqual(list.tests.map((t) => [t.id, t.number]), [['first', 1], ['nested', 2], ['last', 3]]);
});

test('tool and job paths are resolved from the listing file and given relative to the suite folder', async () => {
  const list = await loadTestList(path.join(suite, 'conformance_tests.yaml'));
  const nested = list.tests[1];
  assert.equal(nested?.tool, 'tests/sub/wf.cwl');
  assert.equal(nested?.job, 'tests/shared-job.yml');
  assert.deepEqual(nested?.output, { args: ['a', 'b', 'c'] });
  assert.equal(list.tests[2]?.tool, 'tests/packed.cwl#main', 'the #fragment is kept');
  assert.equal(list.tests[2]?.job, undefined);
});

test('tags, should_fail and the required default', async () => {
  const [first, nested, last] = (await loadTestList(path.join(suite, 'conformance_tests.yaml'))).tests;
  assert.equal(first?.required, true);
  assert.equal(nested?.required, false);
  assert.deepEqual(last?.tags, []);
  assert.equal(last?.required, true, 'a test without tags counts as required');
  assert.equal(last?.shouldFail, true);
  assert.equal(last?.output, undefined);
});

test('duplicate ids are rejected with the list file named', async () => {
  const dir = await tempDir('testlist-dup');
  await writeTree(dir, { 'conformance_tests.yaml': '- {id: x, tool: a.cwl}\n- {id: x, tool: b.cwl}\n' });
  await assert.rejects(loadTestList(path.join(dir, 'conformance_tests.yaml')), (err: unknown) => err instanceof TestListInvalidError && err.code === ErrorCode.TestListInvalid && /'x'/.test(err.message));
  await rm(dir, { recursive: true, force: true });
});

test('an entry without a tool is rejected', async () => {
  const dir = await tempDir('testlist-notool');
  await writeTree(dir, { 'conformance_tests.yaml': '- {id: x, job: a.yml}\n' });
  await assert.rejects(loadTestList(path.join(dir, 'conformance_tests.yaml')), /PCWL_TEST_LIST_INVALID.*tool must be a file name/);
  await rm(dir, { recursive: true, force: true });
});

test('sets are classified from the process documents: Workflow, tool, and DockerRequirement', async () => {
  const list = await loadTestList(path.join(suite, 'conformance_tests.yaml'));
  const sets = await Promise.all(list.tests.map((t) => classifyTest(t, suite)));
  // `last` names the packed Workflow `main`, which has no DockerRequirement itself.
  assert.deepEqual(sets, ['tool', 'workflow', 'workflow']);
  const packedTool = { ...list.tests[2]!, tool: 'tests/packed.cwl#tool' };
  assert.equal(await classifyTest(packedTool, suite), 'container');
});

test('without set lists beside the suite, --set classifies the process documents', async () => {
  const list = await loadTestList(path.join(suite, 'conformance_tests.yaml'));
  const { ids, source } = await testSetIds(['workflow'], list.tests, suite);
  assert.match(source, /classified/);
  assert.deepEqual([...ids].sort(), ['last', 'nested']);
});

// The shared folder beside the repository (as CI has it): the suite and its set lists.
const SHARED = path.resolve(packageRoot(), '..', 'shared');
const realSuite = path.join(SHARED, 'cwl-v1.2');
test('the real suite: 378 tests, and classification agrees with the shared set lists', { skip: !existsSync(path.join(SHARED, 'conformance-sets', 'tool.txt')) && 'no shared suite here' }, async () => {
  const list = await loadTestList(path.join(realSuite, 'conformance_tests.yaml'));
  assert.equal(list.tests.length, 378);
  assert.ok(list.tests.some((t) => t.tool.startsWith('tests/scatter/')), 'imported lists are followed');
  for (const set of ['tool', 'workflow', 'container'] as const) {
    const listed = readFileSync(path.join(SHARED, 'conformance-sets', `${set}.txt`), 'utf8').split('\n').filter((l) => l !== '');
    const cache = new Map<string, Promise<unknown>>();
    const classified: string[] = [];
    for (const t of list.tests) if ((await classifyTest(t, realSuite, cache)) === set) classified.push(t.id);
    assert.deepEqual(classified.sort(), [...listed].sort(), `set ${set}`);
  }
  const { ids } = await testSetIds(['tool', 'workflow'], list.tests, realSuite);
  assert.equal(selectTests(list.tests, { tags: [], excludeTags: [], ids: [], setIds: ids }).length, 363);
});

test('selection: tags, excluded tags and ids combine', async () => {
  const list = await loadTestList(path.join(suite, 'conformance_tests.yaml'));
  const pick = (sel: Partial<Parameters<typeof selectTests>[1]>): string[] =>
    selectTests(list.tests, { tags: [], excludeTags: [], ids: [], ...sel }).map((t) => t.id);
  assert.deepEqual(pick({ tags: ['workflow', 'command_line_tool'] }), ['first', 'nested']);
  assert.deepEqual(pick({ excludeTags: ['workflow'] }), ['first', 'last']);
  assert.deepEqual(pick({ ids: ['last', 'first'] }), ['first', 'last']);
  assert.throws(() => pick({ ids: ['nope'] }), /PCWL_USAGE.*nope/);
});
