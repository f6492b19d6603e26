#!/usr/bin/env parsl-cwl
# InitialWorkDirRequirement: a config file written from a template, and an input staged under a new name.
cwlVersion: v1.2
class: CommandLineTool
requirements:
  InitialWorkDirRequirement:
    listing:
      - entryname: settings.conf
        entry: |
          greeting=$(inputs.greeting)
          source=$(inputs.text.basename)
      - entryname: input.txt
        entry: $(inputs.text)
baseCommand: [cat, settings.conf, input.txt]
inputs:
  greeting: string
  text: File
outputs:
  config:
    type: File
    outputBinding: {glob: settings.conf}
  combined:
    type: stdout
stdout: combined.txt
