/**
 * The shape of a tool's command line for people: `find <dir> [-name <name>]`. Built from
 * baseCommand, arguments and input bindings in CWL's sort order (§CommandLineBinding: by position,
 * then by input name); optional inputs in brackets, arrays with `...`, stdin/stdout redirections.
 */
import type { CommandLineBinding, CommandLineTool, CwlType, ExpressionTool, InputParameter } from '../model.js';

function isOptional(t: CwlType): boolean {
  return Array.isArray(t) && t.includes('null');
}

function isArray(t: CwlType): boolean {
  if (Array.isArray(t)) return t.some(isArray);
  return typeof t === 'object' && t.type === 'array';
}

function isBoolean(t: CwlType): boolean {
  if (Array.isArray(t)) return t.filter((x) => x !== 'null').every(isBoolean);
  return t === 'boolean';
}

function positionOf(b: CommandLineBinding): number {
  return typeof b.position === 'number' ? b.position : 0;
}

function inputPart(p: InputParameter, binding: CommandLineBinding): string {
  const value = binding.valueFrom !== undefined ? `<${p.id}:expr>` : `<${p.id}>${isArray(p.type) ? '...' : ''}`;
  let text: string;
  if (isBoolean(p.type)) text = binding.prefix ?? '';
  else if (binding.prefix) text = binding.separate === false ? `${binding.prefix}${value}` : `${binding.prefix} ${value}`;
  else text = value;
  return isOptional(p.type) || p.default !== undefined || isBoolean(p.type) ? `[${text}]` : text;
}

export function commandTemplate(tool: CommandLineTool | ExpressionTool): string {
  if (tool.class === 'ExpressionTool') return '(ExpressionTool: evaluated in JavaScript, no command)';
  const parts: Array<{ pos: number; key: string; text: string }> = [];
  (tool.arguments ?? []).forEach((arg, i) => {
    if (typeof arg === 'string') parts.push({ pos: 0, key: `\u0000${String(i).padStart(6, '0')}`, text: arg.includes('$(') || arg.includes('${') ? '<expr>' : arg });
    else {
      const v = arg.valueFrom === undefined ? '' : arg.valueFrom.includes('$(') || arg.valueFrom.includes('${') ? '<expr>' : arg.valueFrom;
      const text = arg.prefix ? (arg.separate === false ? `${arg.prefix}${v}` : `${arg.prefix} ${v}`.trim()) : v;
      parts.push({ pos: positionOf(arg), key: `\u0000${String(i).padStart(6, '0')}`, text });
    }
  });
  for (const p of tool.inputs) {
    if (p.inputBinding) parts.push({ pos: positionOf(p.inputBinding), key: p.id, text: inputPart(p, p.inputBinding) });
  }
  parts.sort((a, b) => a.pos - b.pos || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const words = [...(tool.baseCommand ?? []), ...parts.map((p) => p.text).filter(Boolean)];
  if (tool.stdin) words.push(`< ${tool.stdin.startsWith('$') ? '<stdin>' : tool.stdin}`);
  const stdoutOutput = tool.outputs.find((o) => o.type === 'stdout');
  if (tool.stdout || stdoutOutput) words.push(`> ${tool.stdout && !tool.stdout.includes('$') ? tool.stdout : '<stdout>'}`);
  if (tool.stderr) words.push(`2> ${tool.stderr.includes('$') ? '<stderr>' : tool.stderr}`);
  return words.join(' ');
}
