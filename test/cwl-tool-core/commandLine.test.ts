import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { buildCommandLine, compareKeys } from '../../src/cwl/commandLine/build.js';
import { ExpressionEvaluator } from '../../src/cwl/expressions/index.js';
import { ExpressionError } from '../../src/cwl/errors.js';
import type { CommandLineTool, InputParameter, CommandLineBinding, Requirement } from '../../src/cwl/model.js';

const refs = new ExpressionEvaluator({ javascript: false });
const js = new ExpressionEvaluator({ javascript: true });

function tool(inputs: InputParameter[], extra: Partial<CommandLineTool> = {}): CommandLineTool {
  return { class: 'CommandLineTool', id: 'file:///t.cwl', cwlVersion: 'v1.2', originalCwlVersion: 'v1.2', baseUri: 'file:///', inputs, outputs: [], ...extra };
}
function argv(t: CommandLineTool, inputs: Record<string, unknown>, evaluator = refs): string[] {
  return buildCommandLine(t, inputs, { outdir: '/out', tmpdir: '/tmp/x', cores: 1 }, evaluator).argv;
}
const file = (p: string) => ({ class: 'File', path: p, location: `file://${p}` });

describe('input binding (CommandLineTool.yml, Input binding)', () => {
  test('baseCommand first, then bindings by position; inputs without inputBinding add nothing', () => {
    const t = tool(
      [
        { id: 'b', type: 'string', inputBinding: { position: 2 } },
        { id: 'a', type: 'string', inputBinding: { position: 1 } },
        { id: 'unbound', type: 'string' },
      ],
      { baseCommand: ['tool', 'sub'] },
    );
    assert.deepEqual(argv(t, { a: 'A', b: 'B', unbound: 'U' }), ['tool', 'sub', 'A', 'B']);
  });

  test('same position: arguments (by index) before inputs, inputs by name', () => {
    const t = tool(
      [
        { id: 'zeta', type: 'string', inputBinding: {} },
        { id: 'alpha', type: 'string', inputBinding: {} },
      ],
      { baseCommand: ['c'], arguments: ['first', { valueFrom: 'second' }] },
    );
    assert.deepEqual(argv(t, { zeta: 'z', alpha: 'a' }), ['c', 'first', 'second', 'a', 'z']);
  });

  test('prefix, separate: false and numbers as plain decimals', () => {
    const t = tool([
      { id: 'a', type: 'int', inputBinding: { position: 1, prefix: '-n' } },
      { id: 'b', type: 'float', inputBinding: { position: 2, prefix: '--eps=', separate: false } },
      { id: 'c', type: 'double', inputBinding: { position: 3 } },
    ]);
    assert.deepEqual(argv(t, { a: 3, b: 1.23e-5, c: 1.23e5 }), ['-n', '3', '--eps=0.0000123', '123000']);
  });

  test('booleans: the prefix when true, nothing when false or without a prefix', () => {
    const t = tool([
      { id: 'yes', type: 'boolean', inputBinding: { prefix: '-y' } },
      { id: 'no', type: 'boolean', inputBinding: { prefix: '-n' } },
      { id: 'bare', type: 'boolean', inputBinding: {} },
    ]);
    assert.deepEqual(argv(t, { yes: true, no: false, bare: true }), ['-y']);
  });

  test('null and absent optional inputs add nothing, and their valueFrom is not evaluated', () => {
    const t = tool([
      { id: 'opt', type: ['null', 'File'], inputBinding: { prefix: '-f', valueFrom: '$(self.path.bad.bad)' } },
      { id: 'gone', type: ['null', 'string'], inputBinding: { prefix: '-g' } },
    ]);
    assert.deepEqual(argv(t, { opt: null }), []);
  });

  test('Files and Directories are added by path', () => {
    const t = tool([
      { id: 'f', type: 'File', inputBinding: { prefix: '-i' } },
      { id: 'd', type: 'Directory', inputBinding: { position: 1 } },
    ]);
    assert.deepEqual(argv(t, { f: file('/in/a.txt'), d: { class: 'Directory', path: '/in/dir' } }), ['-i', '/in/a.txt', '/in/dir']);
  });

  test('arrays: itemSeparator joins, otherwise the prefix then each item by the items binding', () => {
    const t = tool([
      { id: 'joined', type: { type: 'array', items: 'string' }, inputBinding: { position: 1, prefix: '-j', itemSeparator: ',' } },
      { id: 'each', type: { type: 'array', items: 'File', inputBinding: { prefix: '-YYY' } }, inputBinding: { position: 2, prefix: '-XXX' } },
      { id: 'plain', type: { type: 'array', items: 'int' }, inputBinding: { position: 3 } },
      { id: 'empty', type: { type: 'array', items: 'int' }, inputBinding: { position: 4, prefix: '-e' } },
    ]);
    assert.deepEqual(argv(t, { joined: ['a', 'b'], each: [file('/r1'), file('/r2')], plain: [1, 2], empty: [] }), ['-j', 'a,b', '-XXX', '-YYY', '/r1', '-YYY', '/r2', '1', '2']);
  });

  test('arrays of arrays are flattened item by item', () => {
    const t = tool([{ id: 'letters', type: { type: 'array', items: { type: 'array', items: 'string' } }, inputBinding: { position: 1 } }]);
    assert.deepEqual(argv(t, { letters: [['a', 'b'], ['c']] }), ['a', 'b', 'c']);
  });

  test('records: the prefix, then the fields with bindings, sorted within the record (record_order_with_input_bindings)', () => {
    const rec = (fields: Array<[string, number, string]>) => ({
      type: 'record' as const,
      fields: fields.map(([name, position, prefix]) => ({ name, type: 'int' as const, inputBinding: { position, prefix } })),
    });
    const t = tool([
      { id: 'a', type: rec([['b', 1, '-b'], ['c', 3, '-c']]), inputBinding: { position: 5, prefix: '-a' } },
      { id: 'd', type: rec([['e', 2, '-e'], ['f', 4, '-f']]), inputBinding: { position: 6, prefix: '-d' } },
    ]);
    assert.deepEqual(argv(t, { a: { b: 1, c: 3 }, d: { e: 2, f: 4 } }), ['-a', '-b', '1', '-c', '3', '-d', '-e', '2', '-f', '4']);
  });

  test('a union input is bound by the type of its value', () => {
    const t = tool([{ id: 'u', type: ['null', 'File', { type: 'array', items: 'File', inputBinding: { prefix: '-m' } }], inputBinding: { prefix: '-u' } }]);
    assert.deepEqual(argv(t, { u: file('/one') }), ['-u', '/one']);
    assert.deepEqual(argv(t, { u: [file('/one'), file('/two')] }), ['-u', '-m', '/one', '-m', '/two']);
  });

  test('valueFrom: self is the input value; a constant replaces the value (and an array input\'s items)', () => {
    const t = tool([
      { id: 'f', type: 'File', inputBinding: { position: 1, valueFrom: '$(self.path)-x' } },
      { id: 'arr', type: { type: 'array', items: 'File' }, inputBinding: { position: 2, valueFrom: 'replacementValue' } },
    ]);
    assert.deepEqual(argv(t, { f: file('/a'), arr: [file('/b'), file('/c')] }), ['/a-x', 'replacementValue']);
  });

  test('arguments: strings and bindings, with inputs, runtime and self = null available', () => {
    const t = tool([{ id: 'msg', type: 'string' }], {
      arguments: ['$(inputs.msg)', { valueFrom: '$(runtime.outdir)', prefix: '--out' }, { valueFrom: '$(self)', prefix: '--self' }, { position: -1, valueFrom: 'early' }],
    });
    assert.deepEqual(argv(t, { msg: 'hi' }), ['early', 'hi', '--out', '/out']);
  });

  test('position may be an expression with self = the value (inputBinding_position_expr)', () => {
    const t = tool(
      [
        { id: 'one', type: 'int', inputBinding: { position: '$(self)' } },
        { id: 'two', type: 'int', inputBinding: { valueFrom: 'sensation!', position: '${return self+1;}' } },
      ],
      { baseCommand: ['echo'], arguments: [{ position: '${return 2;}', valueFrom: 'singular' }, { position: '${return null;}', valueFrom: 'X' }] },
    );
    assert.deepEqual(argv(t, { one: 1, two: 2 }, js), ['echo', 'X', '1', 'singular', 'sensation!']);
  });

  test('a position expression that does not give an int is ExpressionError', () => {
    const t = tool([{ id: 'a', type: 'string', inputBinding: { position: '$(self)' } }]);
    assert.throws(() => argv(t, { a: 'nope' }), ExpressionError);
  });

  test('valueFrom giving an array adds its items after the prefix', () => {
    const t = tool([], { arguments: [{ prefix: '-x', valueFrom: '$([1, "two"])' } as CommandLineBinding] });
    assert.deepEqual(argv(t, {}, js), ['-x', '1', 'two']);
  });

  test('a binding on an enum or record type binds the value too (CommandInputEnumSchema.inputBinding)', () => {
    const t = tool([
      { id: 'mode', type: { type: 'enum', symbols: ['fast', 'slow'], inputBinding: { prefix: '--mode' } } },
      { id: 'opt', type: ['null', { type: 'enum', symbols: ['a', 'b'], inputBinding: { prefix: '-o', position: 2 } }] },
    ]);
    assert.deepEqual(argv(t, { mode: 'slow', opt: 'b' }), ['--mode', 'slow', '-o', 'b']);
    assert.deepEqual(argv(t, { mode: 'fast', opt: null }), ['--mode', 'fast']);
    const both = tool([
      { id: 'mode', type: { type: 'enum', symbols: ['fast', 'slow'], inputBinding: { prefix: '--mode' } } },
      { id: 'both', type: { type: 'enum', symbols: ['x', 'y'], inputBinding: { prefix: '-t' } }, inputBinding: { prefix: '-p', position: 1 } },
    ]);
    assert.deepEqual(argv(both, { mode: 'slow', both: 'x' }), ['--mode', 'slow', '-p', 'x', '-t', 'x'], 'the type binding sorts right after the parameter binding (as cwltool)');
  });

  test('a record input without its own binding still binds its fields', () => {
    const t = tool([{ id: 'r', type: { type: 'record', fields: [{ name: 'x', type: 'string', inputBinding: { prefix: '-x' } }] } }]);
    assert.deepEqual(argv(t, { r: { x: 'v' } }), ['-x', 'v']);
  });
});

describe('ShellCommandRequirement and shellQuote', () => {
  const shell: Requirement[] = [{ class: 'ShellCommandRequirement' }];

  test('without ShellCommandRequirement, shellQuote: false has no effect and nothing is interpreted', () => {
    const t = tool([], { baseCommand: ['echo'], arguments: [{ valueFrom: 'foo 1>&2', shellQuote: false }] });
    const cl = buildCommandLine(t, {}, {}, refs);
    assert.equal(cl.shell, false);
    assert.equal(execFileSync(cl.argv[0] as string, cl.argv.slice(1)).toString(), 'foo 1>&2\n');
  });

  test('with it, words are quoted by default and shellQuote: false passes metacharacters (a real shell runs it)', () => {
    const t = tool([{ id: 'msg', type: 'string', inputBinding: { position: 1 } }], {
      requirements: shell,
      arguments: [
        { position: 0, valueFrom: 'echo' },
        { position: 2, valueFrom: '&&', shellQuote: false },
        { position: 3, valueFrom: 'echo' },
        { position: 4, valueFrom: "it's $HOME; `x`" },
      ],
    });
    const cl = buildCommandLine(t, { msg: 'a  b' }, {}, refs);
    assert.equal(cl.shell, true);
    assert.deepEqual(cl.argv.slice(0, 2), ['/bin/sh', '-c']);
    assert.equal(execFileSync(cl.argv[0] as string, cl.argv.slice(1)).toString(), "a  b\nit's $HOME; `x`\n");
  });

  test('requirements in force can be passed explicitly (e.g. inherited from a workflow)', () => {
    const t = tool([], { baseCommand: ['echo'], arguments: ['a b'] });
    assert.equal(buildCommandLine(t, {}, {}, refs, { requirements: shell }).argv[2], "echo 'a b'");
  });
});

test('sort keys: numbers before strings, element by element, shorter prefix first', () => {
  const keys = [[1, 'b'], [1, 'a'], [0, 5], [1], ['x'], [-1, 'z'], [1, 'a', 0]];
  keys.sort(compareKeys);
  assert.deepEqual(keys, [[-1, 'z'], [0, 5], [1], [1, 'a'], [1, 'a', 0], [1, 'b'], ['x']]);
});
