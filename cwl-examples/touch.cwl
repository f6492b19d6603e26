#!/usr/bin/env parsl-cwl
# Create empty files with the given names; every created file is an output.
cwlVersion: v1.2
class: CommandLineTool
baseCommand: touch
inputs:
  names:
    type: string[]
    inputBinding:
      position: 1
outputs:
  created:
    type: File[]
    outputBinding:
      glob: $(inputs.names)
