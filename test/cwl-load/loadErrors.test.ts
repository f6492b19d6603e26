/** Bad documents: each failure is one short message with class, code, file and line. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadProcess } from '../../src/cwl/load/index.js';
import { DocumentInvalidError, DocumentNotFoundError, YamlSyntaxError } from '../../src/cwl/errors.js';
import { fixture } from './fixtures.js';

describe('loadProcess: bad documents', async () => {
  const fx = await fixture({
    'malformed.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs:\n  a: [string\noutputs: []\n',
    'typo.cwl': `cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding:
      position: 1
      prefx: -m
outputs: []
`,
    'badtype.cwl': `cwlVersion: v1.2
class: CommandLineTool
inputs:
  - id: count
    type: integer
outputs: []
`,
    'noclass.cwl': 'cwlVersion: v1.2\ninputs: []\noutputs: []\n',
    'noversion.cwl': 'class: CommandLineTool\ninputs: []\noutputs: []\n',
    'list.cwl': '- just\n- a list\n',
    'badenum.cwl': `cwlVersion: v1.2
class: Workflow
inputs: []
outputs: []
steps:
  s:
    run: typo.cwl
    in: []
    out: []
    scatterMethod: diagonal
`,
    'badreq.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\nrequirements:\n  - class: InlineJavascriptRequirment\ninputs: []\noutputs: []\n',
    'noin.cwl': 'cwlVersion: v1.2\nclass: Workflow\ninputs: []\noutputs: []\nsteps:\n  s:\n    run: typo.cwl\n    out: []\n',
    'missing-import.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs: []\noutputs: []\nhints:\n  - $import: gone.yml\n',
    'cycle-a.yml': '$import: cycle-b.yml\n',
    'cycle-b.yml': '$import: cycle-a.yml\n',
    'cycle.cwl': 'cwlVersion: v1.2\nclass: CommandLineTool\ninputs: []\noutputs: []\nhints:\n  - $import: cycle-a.yml\n',
    'missing-run.cwl': `cwlVersion: v1.2
class: Workflow
inputs: []
outputs: []
steps:
  s:
    in: []
    out: []
    run: nowhere.cwl
`,
  });
  after(() => fx.remove());

  test('malformed YAML is a YamlSyntaxError with file:line:col', async () => {
    await assert.rejects(loadProcess(fx.path('malformed.cwl')), (err: unknown) => {
      assert.ok(err instanceof YamlSyntaxError);
      assert.equal(err.code, 'PCWL_YAML_SYNTAX');
      assert.equal(err.location.file, fx.path('malformed.cwl'));
      assert.equal(typeof err.location.line, 'number');
      assert.match(err.message, /malformed\.cwl:\d+:\d+: malformed YAML/);
      return true;
    });
  });

  test('an unknown field is one line naming file, line, field and the allowed fields', async () => {
    await assert.rejects(loadProcess(fx.path('typo.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentInvalidError);
      assert.equal(err.code, 'PCWL_DOCUMENT_INVALID');
      assert.equal(err.location.line, 9);
      assert.equal(err.location.field, 'inputs.inputBinding.prefx');
      assert.match(err.message, /typo\.cwl:9, field 'inputs\.inputBinding\.prefx': unknown field 'prefx'; expected one of: .*prefix/);
      assert.ok(!err.message.includes('\n'), 'one line, not a union dump');
      return true;
    });
  });

  test('an unknown type name is invalid, with the line of the list-form input', async () => {
    await assert.rejects(loadProcess(fx.path('badtype.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentInvalidError);
      assert.equal(err.location.line, 5);
      assert.match(err.message, /field 'inputs\.count\.type': unknown type 'integer'/);
      return true;
    });
  });

  test('a bad enum value names the symbols it expected', async () => {
    await assert.rejects(loadProcess(fx.path('badenum.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentInvalidError);
      assert.equal(err.location.line, 10);
      assert.match(err.message, /scatterMethod.*dotproduct/);
      return true;
    });
  });

  test('a misspelt requirement class lists the classes there are', async () => {
    await assert.rejects(loadProcess(fx.path('badreq.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentInvalidError);
      assert.equal(err.location.line, 4);
      assert.match(err.message, /field 'requirements\.class': unknown class; expected one of: InlineJavascriptRequirement, SchemaDefRequirement, /);
      return true;
    });
  });

  test('a missing required field is named as missing', async () => {
    await assert.rejects(loadProcess(fx.path('noin.cwl')), { code: 'PCWL_DOCUMENT_INVALID', message: /field 'steps\.in': missing required field 'in'/ });
    await assert.rejects(loadProcess(fx.path('noclass.cwl')), { message: /missing 'class'/ });
  });

  test('a missing class, a missing cwlVersion and a non-mapping document are invalid', async () => {
    await assert.rejects(loadProcess(fx.path('noclass.cwl')), { code: 'PCWL_DOCUMENT_INVALID', message: /missing 'class'/ });
    await assert.rejects(loadProcess(fx.path('noversion.cwl')), { code: 'PCWL_DOCUMENT_INVALID', message: /missing 'cwlVersion'/ });
    await assert.rejects(loadProcess(fx.path('list.cwl')), { code: 'PCWL_DOCUMENT_INVALID', message: /must be a mapping/ });
  });

  test('a missing document is DocumentNotFoundError', async () => {
    await assert.rejects(loadProcess(fx.path('absent.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentNotFoundError);
      assert.equal(err.code, 'PCWL_DOCUMENT_NOT_FOUND');
      assert.match(err.message, /absent\.cwl: no such file/);
      return true;
    });
  });

  test('a missing run: file names the step and the line that points at it', async () => {
    await assert.rejects(loadProcess(fx.path('missing-run.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentNotFoundError);
      assert.match(err.message, /nowhere\.cwl: no such file \(the 'run' of step 's' in .*missing-run\.cwl:9\)/);
      return true;
    });
  });

  test('a missing $import names the importing document; an $import cycle is invalid', async () => {
    await assert.rejects(loadProcess(fx.path('missing-import.cwl')), (err: unknown) => {
      assert.ok(err instanceof DocumentNotFoundError);
      assert.match(err.message, /gone\.yml: no such file \(\$import in .*missing-import\.cwl\)/);
      return true;
    });
    await assert.rejects(loadProcess(fx.path('cycle.cwl')), { code: 'PCWL_DOCUMENT_INVALID', message: /\$import cycle/ });
  });

  test('errors survive the process boundary as data', async () => {
    const err = await loadProcess(fx.path('typo.cwl')).catch((e: unknown) => e);
    assert.ok(err instanceof DocumentInvalidError);
    const json = err.toJson();
    assert.equal(json.code, 'PCWL_DOCUMENT_INVALID');
    assert.equal(json.data?.line, 9);
  });
});
