#!/usr/bin/env parsl-cwl
# A record input: each field has its own binding; the record's fields are placed by position.
cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: echo
inputs:
  person:
    type:
      type: record
      name: Person
      fields:
        name:
          type: string
          inputBinding: {position: 2, prefix: --name}
        age:
          type: int
          inputBinding: {position: 1, prefix: --age}
    inputBinding: {position: 1}
outputs:
  line:
    type: string
    outputBinding:
      glob: record-out.txt
      loadContents: true
      outputEval: $(self[0].contents.trim())
stdout: record-out.txt
