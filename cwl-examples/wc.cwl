#!/usr/bin/env parsl-cwl
# Count the lines of a file; the count is also an output of its own (outputEval).
cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [wc, -l]
stdin: $(inputs.file.path)
inputs:
  file: File
outputs:
  report:
    type: stdout
  lines:
    type: int
    outputBinding:
      glob: wc-out.txt
      loadContents: true
      outputEval: $(parseInt(self[0].contents))
stdout: wc-out.txt
