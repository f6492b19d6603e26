#!/usr/bin/env parsl-cwl
# List the files of a folder whose names match a pattern (sorted, one per line).
cwlVersion: v1.2
class: CommandLineTool
requirements:
  ShellCommandRequirement: {}
inputs:
  dir:
    type: Directory
  pattern:
    type: string
    default: "*"
arguments:
  - cd
  - $(inputs.dir.path)
  - {valueFrom: "&&", shellQuote: false}
  - find
  - .
  - -type
  - f
  - -name
  - $(inputs.pattern)
  - {valueFrom: "| LC_ALL=C sort", shellQuote: false}
outputs:
  found:
    type: stdout
stdout: found.txt
