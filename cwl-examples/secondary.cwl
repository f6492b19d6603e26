#!/usr/bin/env parsl-cwl
# secondaryFiles: the index travels beside its data file, in the job and in the outputs.
cwlVersion: v1.2
class: CommandLineTool
requirements:
  ShellCommandRequirement: {}
inputs:
  data:
    type: File
    secondaryFiles: [.idx]
arguments:
  - cp
  - $(inputs.data.path)
  - $(inputs.data.path).idx
  - .
  - {valueFrom: "&& ls", shellQuote: false}
  - $(inputs.data.basename).idx
outputs:
  copy:
    type: File
    secondaryFiles: [.idx]
    outputBinding:
      glob: $(inputs.data.basename)
  listing:
    type: stdout
stdout: secondary-out.txt
