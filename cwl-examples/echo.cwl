#!/usr/bin/env parsl-cwl
# The smallest useful tool: print a message into a file.
cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding:
      position: 1
outputs:
  out:
    type: stdout
stdout: echo-out.txt
