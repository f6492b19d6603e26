/** loadProcess: documents into the model, and each cwl-ts-auto gap the loader closes. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { loadProcess, LoadCache } from '../../src/cwl/load/index.js';
import type { CommandLineTool, Workflow, RecordType } from '../../src/cwl/model.js';
import { fixture, SUITE, suiteMissing } from './fixtures.js';

const ECHO = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
  extra: string[]?
  maybe: File?
  pair:
    type: File
    secondaryFiles: [.bai, ^.idx?]
    default: {class: File, location: data/a.txt}
outputs:
  out: stdout
stdout: out.txt
`;

describe('loadProcess: tools', async () => {
  const fx = await fixture({ 'echo.cwl': ECHO });
  after(() => fx.remove());

  test('a CommandLineTool loads with an absolute id, short input ids and a list baseCommand', async () => {
    const tool = (await loadProcess(fx.path('echo.cwl'))) as CommandLineTool;
    assert.equal(tool.class, 'CommandLineTool');
    assert.equal(tool.id, pathToFileURL(fx.path('echo.cwl')).href);
    assert.equal(tool.cwlVersion, 'v1.2');
    assert.equal(tool.originalCwlVersion, 'v1.2');
    assert.equal(tool.baseUri, pathToFileURL(fx.dir).href + '/');
    assert.deepEqual(tool.baseCommand, ['echo']);
    // Map-form fields are listed in key order, as schema-salad's idmap does.
    assert.deepEqual(tool.inputs.map((i) => i.id), ['extra', 'maybe', 'message', 'pair']);
    assert.deepEqual(tool.outputs[0], { id: 'out', type: 'stdout' });
    assert.equal(tool.stdout, 'out.txt');
  });

  test('type shorthands expand: string[]? and File?', async () => {
    const tool = await loadProcess(fx.path('echo.cwl'));
    const byId = new Map(tool.inputs.map((i) => [i.id, i]));
    assert.deepEqual(byId.get('extra')?.type, ['null', { type: 'array', items: 'string' }]);
    assert.deepEqual(byId.get('maybe')?.type, ['null', 'File']);
  });

  test('secondaryFiles shorthand becomes {pattern, required} records', async () => {
    const tool = await loadProcess(fx.path('echo.cwl'));
    const pair = tool.inputs.find((i) => i.id === 'pair');
    assert.deepEqual(pair?.secondaryFiles, [{ pattern: '.bai' }, { pattern: '^.idx', required: false }]);
  });

  test('a relative File location in a default becomes an absolute URI next to the document', async () => {
    const tool = await loadProcess(fx.path('echo.cwl'));
    const pair = tool.inputs.find((i) => i.id === 'pair');
    assert.deepEqual(pair?.default, { class: 'File', location: pathToFileURL(join(fx.dir, 'data/a.txt')).href });
  });

  test('a path relative to cwd and a file:// URI name the same document', async () => {
    const a = await loadProcess('echo.cwl', { cwd: fx.dir });
    const b = await loadProcess(pathToFileURL(fx.path('echo.cwl')).href);
    assert.deepEqual(a, b);
  });

  test('a flow sequence continued at its key\'s indentation loads, as cwltool accepts it', async () => {
    const path = await fx.write('flow.cwl', 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [echo,\nhello]\ninputs: []\noutputs: []\n');
    assert.deepEqual(((await loadProcess(path)) as CommandLineTool).baseCommand, ['echo', 'hello']);
  });

  test('the model is plain JSON (survives a JSON round trip unchanged)', async () => {
    const tool = await loadProcess(fx.path('echo.cwl'));
    assert.deepEqual(JSON.parse(JSON.stringify(tool)), tool);
  });
});

describe('loadProcess: workflows and run:', async () => {
  const fx = await fixture({
    'echo.cwl': ECHO,
    'wf.cwl': `cwlVersion: v1.2
class: Workflow
inputs:
  msg: string
outputs:
  result:
    type: File
    outputSource: first/out
steps:
  first:
    run: echo.cwl
    in: {message: msg}
    out: [out]
  second:
    run:
      class: ExpressionTool
      requirements: {InlineJavascriptRequirement: {}}
      inputs: {x: File}
      outputs: {y: string}
      expression: '$({y: inputs.x.basename})'
    in: {x: first/out}
    out: [y]
`,
    'self.cwl': `cwlVersion: v1.2
class: Workflow
inputs: []
outputs: []
steps:
  again: {run: self.cwl, in: [], out: []}
`,
  });
  after(() => fx.remove());

  test('run: file.cwl is loaded and inlined; sources are short step/output names', async () => {
    const wf = (await loadProcess(fx.path('wf.cwl'))) as Workflow;
    assert.equal(wf.class, 'Workflow');
    const [first, second] = wf.steps;
    assert.equal(first?.id, 'first');
    assert.equal(first?.run.class, 'CommandLineTool');
    assert.equal(first?.run.id, pathToFileURL(fx.path('echo.cwl')).href);
    assert.deepEqual(first?.in, [{ id: 'message', source: 'msg' }]);
    assert.deepEqual(first?.out, ['out']);
    assert.equal(wf.outputs[0]?.outputSource, 'first/out');
    assert.deepEqual(second?.in, [{ id: 'x', source: 'first/out' }]);
  });

  test('run: {$import: file} loads the file as its own document', async () => {
    await fx.write('tools/cat.cwl', 'cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: cat\ninputs:\n  f: {type: File, default: {class: File, location: data.txt}}\noutputs: []\n');
    const path = await fx.write('import-run.cwl', 'cwlVersion: v1.2\nclass: Workflow\ninputs: []\noutputs: []\nsteps:\n  s:\n    run: {$import: tools/cat.cwl}\n    in: []\n    out: []\n');
    const run = ((await loadProcess(path)) as Workflow).steps[0]?.run;
    assert.equal(run?.id, pathToFileURL(fx.path('tools/cat.cwl')).href);
    assert.deepEqual(run?.inputs[0]?.default, { class: 'File', location: pathToFileURL(fx.path('tools/data.txt')).href });
  });

  test('an inline run: process loads as its own process with short ids', async () => {
    const wf = (await loadProcess(fx.path('wf.cwl'))) as Workflow;
    const run = wf.steps[1]?.run;
    assert.equal(run?.class, 'ExpressionTool');
    assert.deepEqual(run?.inputs.map((i) => i.id), ['x']);
    assert.deepEqual(run?.outputs.map((o) => o.id), ['y']);
    assert.equal(run?.cwlVersion, 'v1.2');
  });

  test('record-form secondaryFiles on a Workflow input keep pattern and required (cwl-ts-auto union bug)', async () => {
    const path = await fx.write(
      'sf-wf.cwl',
      'cwlVersion: v1.2\nclass: Workflow\ninputs:\n  bam:\n    type: File\n    secondaryFiles:\n      - {pattern: .bai, required: false}\n      - pattern: "$(self.basename).idx"\n        required: "$(true)"\noutputs: []\nsteps: []\n',
    );
    const wf = await loadProcess(path);
    assert.deepEqual(wf.inputs[0]?.secondaryFiles, [
      { pattern: '.bai', required: false },
      { pattern: '$(self.basename).idx', required: '$(true)' },
    ]);
  });

  test('a shared cache loads a document referenced twice once', async () => {
    const cache = new LoadCache();
    const a = await loadProcess(fx.path('wf.cwl'), { cache });
    const b = await loadProcess(fx.path('echo.cwl'), { cache });
    assert.equal((a as Workflow).steps[0]?.run.id, b.id);
    assert.equal(cache.texts.size, 2);
  });

  test('a workflow that runs itself is rejected instead of looping', async () => {
    await assert.rejects(loadProcess(fx.path('self.cwl')), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'PCWL_DOCUMENT_INVALID');
      assert.match(err.message, /runs itself/);
      return true;
    });
  });
});

describe('loadProcess: $graph documents', async () => {
  const fx = await fixture({
    'packed.cwl': `{
  "cwlVersion": "v1.1",
  "$graph": [
    {"id": "#main", "class": "Workflow",
     "inputs": [{"id": "#main/inp", "type": "string"}],
     "outputs": [{"id": "#main/out", "type": "File", "outputSource": "#main/step/out"}],
     "steps": [{"id": "#main/step", "run": "#tool",
                "in": [{"id": "#main/step/message", "source": "#main/inp"}],
                "out": ["#main/step/out"]}]},
    {"id": "#tool", "class": "CommandLineTool", "baseCommand": "echo",
     "inputs": [{"id": "#tool/message", "type": "string", "inputBinding": {"position": 1}}],
     "outputs": [{"id": "#tool/out", "type": "stdout"}]}
  ]
}`,
    'two.cwl': `cwlVersion: v1.2
$graph:
  - {id: a, class: Operation, inputs: [], outputs: []}
  - {id: b, class: Operation, inputs: [], outputs: []}
`,
  });
  after(() => fx.remove());

  test('without a fragment, #main is chosen; fragments do not leak into ids; cwlVersion is inherited', async () => {
    const wf = (await loadProcess(fx.path('packed.cwl'))) as Workflow;
    assert.equal(wf.id, `${pathToFileURL(fx.path('packed.cwl')).href}#main`);
    assert.deepEqual(wf.inputs.map((i) => i.id), ['inp']);
    assert.equal(wf.outputs[0]?.outputSource, 'step/out');
    assert.deepEqual(wf.steps[0]?.in, [{ id: 'message', source: 'inp' }]);
    assert.deepEqual(wf.steps[0]?.out, ['out']);
    assert.equal(wf.originalCwlVersion, 'v1.1');
    const tool = wf.steps[0]?.run;
    assert.equal(tool?.id, `${pathToFileURL(fx.path('packed.cwl')).href}#tool`);
    assert.deepEqual(tool?.inputs.map((i) => i.id), ['message']);
    assert.equal(tool?.originalCwlVersion, 'v1.1');
  });

  test('#fragment picks one entry', async () => {
    const tool = await loadProcess(`${fx.path('packed.cwl')}#tool`);
    assert.equal(tool.class, 'CommandLineTool');
    assert.deepEqual(tool.outputs.map((o) => o.id), ['out']);
  });

  test('an unknown fragment names the entries there are', async () => {
    await assert.rejects(loadProcess(`${fx.path('packed.cwl')}#nope`), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'PCWL_DOCUMENT_INVALID');
      assert.match(err.message, /no process '#nope'.*#main, #tool/);
      return true;
    });
  });

  test('a $graph without #main and with several entries asks for a fragment', async () => {
    await assert.rejects(loadProcess(fx.path('two.cwl')), /no '#main' entry.*#a, #b/);
    assert.equal((await loadProcess(`${fx.path('two.cwl')}#b`)).class, 'Operation');
  });
});

describe('loadProcess: $import, $include, $namespaces, SchemaDefRequirement', async () => {
  const fx = await fixture({
    'types.yml': `- name: Sample
  type: record
  fields:
    id: string
    reads: File[]
- name: Mode
  type: enum
  symbols: [fast, slow]
- name: Run
  type: record
  fields:
    sample: "#Sample"
    modes: {type: {type: array, items: "#Mode"}}
`,
    'script.sh': 'echo included\n',
    'hint.yml': 'class: EnvVarRequirement\nenvDef: {A: b}\n',
    'tool.cwl': `cwlVersion: v1.2
class: CommandLineTool
$namespaces: {edam: "http://edamontology.org/"}
requirements:
  SchemaDefRequirement:
    types:
      - $import: types.yml
      - {name: Local, type: record, fields: {n: int}}
  InitialWorkDirRequirement:
    listing:
      - entryname: run.sh
        entry: {$include: script.sh}
hints:
  - $import: hint.yml
inputs:
  sample: types.yml#Sample
  mode: types.yml#Mode
  run: types.yml#Run
  local: "#Local"
  seq:
    type: File
    format: edam:format_1929
outputs: []
baseCommand: sh
`,
  });
  after(() => fx.remove());

  test('named types from an imported file and from the document resolve to their definitions', async () => {
    const tool = await loadProcess(fx.path('tool.cwl'));
    const byId = new Map(tool.inputs.map((i) => [i.id, i]));
    const sample = byId.get('sample')?.type as RecordType;
    assert.equal(sample.type, 'record');
    assert.equal(sample.name, 'Sample');
    assert.deepEqual(sample.fields.map((f) => [f.name, f.type]), [['id', 'string'], ['reads', { type: 'array', items: 'File' }]]);
    assert.deepEqual(byId.get('mode')?.type, { type: 'enum', symbols: ['fast', 'slow'], name: 'Mode' });
    assert.deepEqual(byId.get('local')?.type, { type: 'record', name: 'Local', fields: [{ name: 'n', type: 'int' }] });
    // `#Sample` inside types.yml refers to types.yml#Sample, not to the importing tool.
    const run = byId.get('run')?.type as RecordType;
    assert.deepEqual(run.fields.map((f) => f.name), ['modes', 'sample'], 'map-form fields in key order');
    assert.deepEqual(run.fields[0]?.type, { type: 'array', items: { type: 'enum', symbols: ['fast', 'slow'], name: 'Mode' } });
    assert.deepEqual(run.fields[1]?.type, sample);
  });

  test('$include inlines text and $import inlines a document', async () => {
    const tool = await loadProcess(fx.path('tool.cwl'));
    const iwd = tool.requirements?.find((r) => r.class === 'InitialWorkDirRequirement');
    assert.deepEqual(iwd?.listing, [{ entryname: 'run.sh', entry: 'echo included\n' }]);
    assert.deepEqual(tool.hints, [{ class: 'EnvVarRequirement', envDef: [{ envName: 'A', envValue: 'b' }] }]);
  });

  test('$namespaces expand format IRIs and are kept on the process', async () => {
    const tool = await loadProcess(fx.path('tool.cwl'));
    assert.equal(tool.inputs.find((i) => i.id === 'seq')?.format, 'http://edamontology.org/format_1929');
    assert.deepEqual(tool.namespaces, { edam: 'http://edamontology.org/' });
  });
});

describe('loadProcess: older cwlVersions', async () => {
  const fx = await fixture({
    'v10.cwl': `cwlVersion: v1.0
class: CommandLineTool
inputs:
  f:
    type: File
    inputBinding: {loadContents: true, position: 1}
  d: Directory
outputs: []
baseCommand: cat
`,
    'v10-when.cwl': `cwlVersion: v1.0
class: Workflow
inputs: []
outputs: []
steps:
  s:
    run: v10.cwl
    when: $(true)
    in: []
    out: []
`,
    'draft3.cwl': 'cwlVersion: draft-3\nclass: CommandLineTool\ninputs: []\noutputs: []\n',
    'v10-ext.cwl': `cwlVersion: v1.0
$namespaces: {cwltool: "http://commonwl.org/cwltool#"}
class: ExpressionTool
requirements:
  - class: InlineJavascriptRequirement
  - class: cwltool:LoadListingRequirement
    loadListing: shallow_listing
hints:
  cwltool:TimeLimit: {timelimit: 5}
inputs:
  f:
    type: File
    inputBinding: {loadContents: true, position: 2}
outputs: {out: string}
expression: '$({out: inputs.f.contents})'
`,
  });
  after(() => fx.remove());

  test('v1.0 keeps its meaning: deep listing, network access, loadContents on the parameter', async () => {
    const tool = await loadProcess(fx.path('v10.cwl'));
    assert.equal(tool.cwlVersion, 'v1.2');
    assert.equal(tool.originalCwlVersion, 'v1.0');
    assert.deepEqual(tool.hints, [
      { class: 'LoadListingRequirement', loadListing: 'deep_listing' },
      { class: 'NetworkAccess', networkAccess: true },
    ]);
    const f = tool.inputs.find((i) => i.id === 'f');
    assert.equal(f?.loadContents, true);
    assert.deepEqual(f?.inputBinding, { position: 1 });
  });

  test('v1.0 extension classes become the standard ones; Workflow/ExpressionTool input bindings keep only loadContents', async () => {
    const et = await loadProcess(fx.path('v10-ext.cwl'));
    assert.deepEqual(et.requirements, [{ class: 'InlineJavascriptRequirement' }, { class: 'LoadListingRequirement', loadListing: 'shallow_listing' }]);
    assert.deepEqual(
      [...(et.hints ?? [])].sort((a, b) => a.class.localeCompare(b.class)),
      [
        { class: 'NetworkAccess', networkAccess: true },
        { class: 'ToolTimeLimit', timelimit: 5 },
      ],
    );
    const f = et.inputs[0];
    assert.equal(f?.loadContents, true);
    assert.equal(f?.inputBinding, undefined);
  });

  test('a v1.0 document that uses v1.2 syntax is invalid, with file and line', async () => {
    await assert.rejects(loadProcess(fx.path('v10-when.cwl')), (err: Error & { code?: string; data?: Record<string, unknown> }) => {
      assert.equal(err.code, 'PCWL_DOCUMENT_INVALID');
      assert.equal(err.data?.line, 8);
      assert.match(err.message, /v10-when\.cwl:8, field 'steps\.s\.when'.*needs cwlVersion v1\.2/);
      return true;
    });
  });

  test('draft-3 is an unsupported version', async () => {
    await assert.rejects(loadProcess(fx.path('draft3.cwl')), (err: Error & { code?: string }) => {
      assert.equal(err.name, 'UnsupportedVersionError');
      assert.equal(err.code, 'PCWL_UNSUPPORTED_VERSION');
      return true;
    });
  });
});

describe('loadProcess: conformance documents for the known gaps', { skip: suiteMissing }, () => {
  test('record-form secondaryFiles on workflow inputs survive (mixed_version_v11_wf, _v12_wf)', async () => {
    for (const name of ['wf-v11.cwl', 'wf-v12.cwl']) {
      const wf = (await loadProcess(join(SUITE, 'tests/mixed-versions', name))) as Workflow;
      assert.deepEqual(wf.inputs[0]?.secondaryFiles, [{ pattern: '.2', required: true }], name);
      assert.deepEqual(wf.steps.map((s) => s.run.originalCwlVersion), ['v1.0', 'v1.1', 'v1.2']);
    }
  });

  test('v1.0/v1.1 tools with v1.2 syntax fail (invalid_syntax_v1*_uses_v12_*)', async () => {
    for (const name of ['invalid-tool-v10.cwl', 'invalid-tool-v11.cwl', 'invalid-wf-v10.cwl', 'invalid-wf-v11.cwl', 'invalid-wf-v12.cwl']) {
      await assert.rejects(loadProcess(join(SUITE, 'tests/mixed-versions', name)), { code: 'PCWL_DOCUMENT_INVALID' }, name);
    }
  });

  test('a packed document with an imported SchemaDef resolves the type by its packed name', async () => {
    const wf = (await loadProcess(join(SUITE, 'tests/import_schema-def_packed.cwl'))) as Workflow;
    const kit = wf.inputs.find((i) => i.id === 'capture_kit')?.type as RecordType;
    assert.equal(kit.type, 'record');
    assert.deepEqual(kit.fields, [{ name: 'bait', type: 'string' }]);
    assert.equal(wf.outputs[0]?.outputSource, 'touch_bam/empty_file');
  });
});
