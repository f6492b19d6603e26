#!/usr/bin/env cwl-runner
# Generates one gradient picture per colour (scattered), then runs the three-step image
# workflow (images.cwl) on them as a subworkflow, captioning each picture with its colour.
cwlVersion: v1.2
class: Workflow
doc: Generate test images, then resize, blur/annotate and montage them.
requirements:
  ScatterFeatureRequirement: {}
  SubworkflowFeatureRequirement: {}
inputs:
  colors: string[]
outputs:
  generated:
    type: File[]
    outputSource: generate/image
  annotated:
    type: File[]
    outputSource: process/annotated
  montage:
    type: File
    outputSource: process/montage
steps:
  generate:
    run: generate.cwl
    scatter: top
    in:
      top: colors
    out: [image]
  process:
    run: images.cwl
    in:
      images: generate/image
      captions: colors
    out: [annotated, montage]
