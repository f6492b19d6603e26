#!/usr/bin/env parsl-cwl
# JavaScript expressions: expressionLib, ${...} bodies and runtime values (cores rounded up from 1.5).
cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - "function shout(s) { return s.toUpperCase() + '!'; }"
  ResourceRequirement:
    coresMin: 1.5
inputs:
  word: string
  values: int[]
arguments:
  - $(shout(inputs.word))
  - valueFrom: ${ return inputs.values.reduce(function (a, b) { return a + b; }, 0); }
  - $(runtime.cores)
baseCommand: echo
outputs:
  text:
    type: string
    outputBinding:
      glob: expressions-out.txt
      loadContents: true
      outputEval: $(self[0].contents.replace(/\n$/, ''))
stdout: expressions-out.txt
