/**
 * The CWL documents and paths the benchmarks share: the echo tool and the workflow that scatters
 * it (bench:scatter, bench:cache, bench:kernel; bench:containers with the tool in a container), so
 * every bench measures the same work.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed command (dist/bench → <repo>/bin/parsl-cwl), as users run it. */
export const BIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../bin/parsl-cwl');

/** `echo MESSAGE > out.txt`; with `requirements`, a YAML flow mapping, e.g. `{DockerRequirement: {dockerPull: IMG}}`. */
export function echoTool(requirements?: string): string {
  return `cwlVersion: v1.2
class: CommandLineTool
${requirements ? `requirements: ${requirements}\n` : ''}baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
stdout: out.txt
outputs:
  out: stdout
`;
}

export const ECHO_TOOL = echoTool();

/** Scatters echo.cwl (beside it) over `messages`; the output is the File array. */
export const ECHO_SCATTER_WF = `cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  messages: string[]
outputs:
  outs:
    type: File[]
    outputSource: echo/out
steps:
  echo:
    run: echo.cwl
    scatter: message
    in:
      message: messages
    out: [out]
`;
