/**
 * `parsl-cwl typegen TOOL.cwl [-o out.ts] [--import-from SPEC] [--absolute]`: write a TypeScript
 * module whose default export is the tool as a typed app (see src/cwl/typegen).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, ParslCwlError } from '../util/index.js';
import { ExitCode, exitCodeFor } from './exitCodes.js';
import { errorReport } from './report.js';

const USAGE = `usage: parsl-cwl typegen TOOL.cwl[#id] [-o OUT.ts] [--import-from SPEC] [--absolute]

Writes a TypeScript module for a CWL tool: interfaces Inputs/Outputs generated from its types and a
default export (inputs: Inputs) => AppFuture<Outputs>. Without -o the module goes to stdout.

  -o, --output FILE   write the module to FILE
  --import-from SPEC  module to import parsl-cwl from (default: parsl-cwl)
  --absolute          refer to the tool by absolute path (default: relative to the module)
`;

interface TypegenArgs {
  tool: string;
  output?: string;
  importFrom?: string;
  absolute: boolean;
}

function parseArgs(argv: string[]): TypegenArgs | 'help' {
  let tool: string | undefined;
  const out: Partial<TypegenArgs> = { absolute: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new ParslCwlError(ErrorCode.UsageError, `${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '-h' || a === '--help') return 'help';
    else if (a === '-o' || a === '--output') out.output = value();
    else if (a === '--import-from') out.importFrom = value();
    else if (a === '--absolute') out.absolute = true;
    else if (a.startsWith('-')) throw new ParslCwlError(ErrorCode.UsageError, `unknown option ${a}\n${USAGE}`);
    else if (tool === undefined) tool = a;
    else throw new ParslCwlError(ErrorCode.UsageError, `one tool at a time; got ${tool} and ${a}`);
  }
  if (tool === undefined) throw new ParslCwlError(ErrorCode.UsageError, `no tool given\n${USAGE}`);
  return { ...out, tool, absolute: out.absolute ?? false };
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return ExitCode.Success;
    }
    const { loadTool } = await import('../cwl/app/index.js');
    const { generateModule } = await import('../cwl/typegen/index.js');
    const app = await loadTool(args.tool);
    const hash = args.tool.indexOf('#');
    const file = hash >= 0 ? args.tool.slice(0, hash) : args.tool;
    const fragment = hash >= 0 ? args.tool.slice(hash) : '';
    const abs = path.resolve(file);
    let toolRefCode: string;
    if (args.output !== undefined && !args.absolute) {
      let rel = path.relative(path.dirname(path.resolve(args.output)), abs).split(path.sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      toolRefCode = `new URL(${JSON.stringify(encodeURI(rel) + fragment)}, import.meta.url)`;
    } else toolRefCode = JSON.stringify(pathToFileURL(abs).href + fragment);
    const text = generateModule(app.tool, { toolRefCode, importFrom: args.importFrom, source: path.basename(file) + fragment });
    if (args.output !== undefined) writeFileSync(args.output, text);
    else process.stdout.write(text);
    return ExitCode.Success;
  } catch (err) {
    process.stderr.write(`${errorReport(err, argv.includes('--debug'))}\n`);
    return exitCodeFor(err);
  }
}
