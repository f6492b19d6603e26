#!/usr/bin/env parsl-cwl
# Concatenate several files, in order, into one.
cwlVersion: v1.2
class: CommandLineTool
baseCommand: cat
inputs:
  files:
    type: File[]
    inputBinding:
      position: 1
outputs:
  joined:
    type: stdout
stdout: joined.txt
