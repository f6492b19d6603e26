/** Job files, command-line inputs and prepareInputs, on real files. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { loadProcess } from '../../src/cwl/load/index.js';
import { loadJobFile, parseCommandLineInputs, prepareInputs } from '../../src/cwl/inputs/index.js';
import { InputFileMissingError, InputInvalidError, InputUnknownError, YamlSyntaxError } from '../../src/cwl/errors.js';
import { fixture } from './fixtures.js';

const TOOL = `cwlVersion: v1.2
class: CommandLineTool
baseCommand: cat
requirements:
  SchemaDefRequirement:
    types:
      - {name: Pair, type: record, fields: {left: int, right: "string?"}}
inputs:
  message: string
  count: {type: int, default: 3}
  ratio: float?
  verbose: boolean?
  words: string[]?
  mode: {type: {type: enum, symbols: [fast, slow]}, default: fast}
  pair: "#Pair?"
  anything: Any?
  file: File?
  files: File[]?
  dir: Directory?
  shallow: {type: "Directory?", loadListing: shallow_listing}
  literal: File?
outputs: []
`;

describe('inputs', async () => {
  const fx = await fixture({
    'tool.cwl': TOOL,
    'data/a.txt': 'hello\n',
    'data/sub/b.txt': 'bee',
    'job.yml': `message: hi
file: {class: File, location: data/a.txt}
files:
  - {class: File, path: data/a.txt}
dir: {class: Directory, location: data}
cwl:requirements:
  - class: EnvVarRequirement
    envDef: {X: y}
`,
    'bad.yml': 'message: [oops\n',
    'list.yml': '- 1\n- 2\n',
    'empty.yml': '',
  });
  after(() => fx.remove());
  const tool = await loadProcess(fx.path('tool.cwl'));
  const uri = (p: string): string => pathToFileURL(fx.path(p)).href;

  test('loadJobFile resolves relative locations and paths against the job file and keeps cwl:requirements apart', async () => {
    const job = await loadJobFile(fx.path('job.yml'));
    assert.equal(job.uri, uri('job.yml'));
    assert.deepEqual(job.inputs.file, { class: 'File', location: uri('data/a.txt') });
    assert.deepEqual(job.inputs.files, [{ class: 'File', location: uri('data/a.txt') }]);
    assert.equal('cwl:requirements' in job.inputs, false);
    assert.deepEqual(job.requirements, [{ class: 'EnvVarRequirement', envDef: { X: 'y' } }]);
  });

  test('loadJobFile: requirements under a $namespaces prefix and format IRIs expand', async () => {
    const path = await fx.write(
      'ns-job.yml',
      '$namespaces: {c: "https://w3id.org/cwl/cwl#", edam: "http://edamontology.org/"}\nc:requirements: [{class: NetworkAccess, networkAccess: true}]\nseq: {class: File, location: data/a.txt, format: edam:format_1929}\n',
    );
    const job = await loadJobFile(path);
    assert.deepEqual(job.requirements, [{ class: 'NetworkAccess', networkAccess: true }]);
    assert.deepEqual(Object.keys(job.inputs), ['seq']);
    assert.equal((job.inputs.seq as { format: string }).format, 'http://edamontology.org/format_1929');
  });

  test('loadJobFile: an empty file is an empty input object; a list or malformed YAML is an error', async () => {
    assert.deepEqual((await loadJobFile(fx.path('empty.yml'))).inputs, {});
    await assert.rejects(loadJobFile(fx.path('list.yml')), InputInvalidError);
    await assert.rejects(loadJobFile(fx.path('bad.yml')), (err: unknown) => err instanceof YamlSyntaxError && err.code === 'PCWL_YAML_SYNTAX');
  });

  test('prepareInputs applies defaults and fills File/Directory fields', async () => {
    const job = await loadJobFile(fx.path('job.yml'));
    const inputs = await prepareInputs(tool, job.inputs, { baseUri: job.uri });
    assert.equal(inputs.count, 3);
    assert.equal(inputs.mode, 'fast');
    assert.deepEqual(inputs.file, {
      class: 'File',
      location: uri('data/a.txt'),
      path: fx.path('data/a.txt'),
      basename: 'a.txt',
      dirname: fx.path('data'),
      nameroot: 'a',
      nameext: '.txt',
      size: 6,
    });
    assert.deepEqual(inputs.dir, { class: 'Directory', location: uri('data'), path: fx.path('data'), basename: 'data' });
    assert.equal('ratio' in inputs, false, 'absent optional inputs stay absent');
  });

  test('a File literal with contents stays a literal; a Directory input gets the listing its loadListing asks for', async () => {
    const inputs = await prepareInputs(tool, {
      message: 'x',
      literal: { class: 'File', basename: 'note.txt', contents: 'inline' },
      shallow: { class: 'Directory', location: uri('data') },
    });
    assert.deepEqual(inputs.literal, { class: 'File', basename: 'note.txt', contents: 'inline', nameroot: 'note', nameext: '.txt' });
    const listing = (inputs.shallow as { listing: Array<{ basename: string; listing?: unknown }> }).listing;
    assert.deepEqual(listing.map((e) => e.basename), ['a.txt', 'sub']);
    assert.equal(listing[1]?.listing, undefined, 'shallow: sub-folders are not listed');
  });

  test('a literal named by a _: location keeps it and gets no path', async () => {
    const inputs = await prepareInputs(tool, { message: 'x', literal: { class: 'File', location: '_:b1', basename: 'b.txt', contents: 'c' } });
    assert.deepEqual(inputs.literal, { class: 'File', location: '_:b1', basename: 'b.txt', contents: 'c', nameroot: 'b', nameext: '.txt' });
  });

  test('relative locations in raw inputs resolve against baseUri', async () => {
    const inputs = await prepareInputs(tool, { message: 'x', file: { class: 'File', location: 'a.txt' } }, { baseUri: uri('data/') });
    assert.equal((inputs.file as { path: string }).path, fx.path('data/a.txt'));
  });

  test('an unknown input is InputUnknownError naming the declared inputs; with unknownInputs: warn it is dropped', async () => {
    await assert.rejects(prepareInputs(tool, { message: 'x', mesage: 'y' }), (err: unknown) => {
      assert.ok(err instanceof InputUnknownError);
      assert.equal(err.code, 'PCWL_INPUT_UNKNOWN');
      assert.match(err.message, /unknown input 'mesage'; the process declares: anything, count, .*message/);
      return true;
    });
    const warnings: string[] = [];
    const inputs = await prepareInputs(tool, { message: 'x', extra: 1 }, { unknownInputs: 'warn', warn: (m) => warnings.push(m) });
    assert.equal('extra' in inputs, false);
    assert.match(warnings[0] ?? '', /ignoring input 'extra'/);
  });

  test('a wrong input type is InputInvalidError naming the input and its type', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ message: 5 }, 'message', /5 does not match type string/],
      [{ message: 'x', count: 'three' }, 'count', /"three" does not match type int/],
      [{ message: 'x', count: 2 ** 40 }, 'count', /does not match type int/],
      [{ message: 'x', mode: 'medium' }, 'mode', /"medium" does not match type enum\(fast\|slow\)/],
      [{ message: 'x', words: ['a', 1] }, 'words', /1 at \/1 does not match type string\[\]\?/],
      [{ message: 'x', pair: { right: 'r' } }, 'pair', /does not match type Pair\?/],
      [{ message: 'x', file: 'a.txt' }, 'file', /"a.txt" does not match type File\? .*; write a File as \{class: File, path: a.txt\}/],
    ];
    for (const [raw, name, message] of cases) {
      await assert.rejects(prepareInputs(tool, raw), (err: unknown) => {
        assert.ok(err instanceof InputInvalidError, `${name}: ${String(err)}`);
        assert.equal(err.code, 'PCWL_INPUT_INVALID');
        assert.equal(err.inputName, name);
        assert.match(err.message, message);
        return true;
      });
    }
  });

  test('a required input that is missing, or null for Any, is InputInvalidError', async () => {
    await assert.rejects(prepareInputs(tool, {}), { code: 'PCWL_INPUT_INVALID', message: /input 'message': missing; it is required \(type string\)/ });
    const anyTool = await loadProcess(await fx.write('any.cwl', 'cwlVersion: v1.2\nclass: ExpressionTool\ninputs: {a: Any}\noutputs: {}\nexpression: "${return {};}"\n'));
    await assert.rejects(prepareInputs(anyTool, { a: null }), { code: 'PCWL_INPUT_INVALID', message: /null given/ });
  });

  test('a missing input file is InputFileMissingError with the path', async () => {
    await assert.rejects(prepareInputs(tool, { message: 'x', files: [{ class: 'File', location: uri('data/nope.txt') }] }), (err: unknown) => {
      assert.ok(err instanceof InputFileMissingError);
      assert.equal(err.code, 'PCWL_INPUT_FILE_MISSING');
      assert.equal(err.inputName, 'files');
      assert.equal(err.location, fx.path('data/nope.txt'));
      return true;
    });
  });

  test('a folder given for a File is InputInvalidError', async () => {
    await assert.rejects(prepareInputs(tool, { message: 'x', file: { class: 'File', location: uri('data') } }), { code: 'PCWL_INPUT_INVALID', message: /is a directory/ });
  });

  test('parseCommandLineInputs: --name value, --name=value, flags, repeated and multiple array values, records, files', () => {
    const inputs = parseCommandLineInputs(
      tool,
      ['--message', 'hello world', '--count=7', '--ratio', '-0.5', '--verbose', '--words', 'a', 'b', '--words', 'c', '--pair.left', '1', '--file', 'data/a.txt', '--mode', 'slow'],
      { cwd: fx.dir },
    );
    assert.deepEqual(inputs, {
      message: 'hello world',
      count: 7,
      ratio: -0.5,
      verbose: true,
      words: ['a', 'b', 'c'],
      pair: { left: 1 },
      file: { class: 'File', location: uri('data/a.txt') },
      mode: 'slow',
    });
    assert.deepEqual(parseCommandLineInputs(tool, ['--verbose', 'false']), { verbose: false });
  });

  test('parseCommandLineInputs rejects unknown flags, bad numbers, bad enum symbols and missing values', () => {
    assert.throws(() => parseCommandLineInputs(tool, ['--nope', '1']), InputUnknownError);
    assert.throws(() => parseCommandLineInputs(tool, ['--count', 'x']), { code: 'PCWL_INPUT_INVALID', message: /'x' is not an integer/ });
    assert.throws(() => parseCommandLineInputs(tool, ['--mode', 'medium']), { message: /not one of: fast, slow/ });
    assert.throws(() => parseCommandLineInputs(tool, ['--message']), { message: /needs a value/ });
    assert.throws(() => parseCommandLineInputs(tool, ['--pair.middle', '1']), { message: /no field 'middle'/ });
  });

  test('command-line inputs then prepareInputs give the same object as a job file', async () => {
    const fromArgs = await prepareInputs(tool, parseCommandLineInputs(tool, ['--message', 'hi', '--file', join(fx.dir, 'data/a.txt')]));
    const job = await loadJobFile(fx.path('job.yml'));
    const fromJob = await prepareInputs(tool, { message: job.inputs.message, file: job.inputs.file }, { baseUri: job.uri });
    assert.deepEqual(fromArgs, fromJob);
  });
});
