#!/usr/bin/env parsl-cwl
# Arrays: one joined with itemSeparator after a prefix, one repeating its prefix per item.
cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  numbers:
    type: int[]
    inputBinding: {position: 1, prefix: --numbers, itemSeparator: ","}
  words:
    type:
      type: array
      items: string
      inputBinding: {prefix: -w}
    inputBinding: {position: 2}
outputs:
  line:
    type: stdout
stdout: arrays-out.txt
