#!/usr/bin/env cwl-runner
# The three-step image pipeline: resize -> blur/annotate -> montage.
# resize and annotate are scattered over the images (one task per image, run in parallel);
# montage gathers their outputs into one contact sheet.
cwlVersion: v1.2
class: Workflow
doc: Resize, blur and caption every image, then tile them into a montage.
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  images: File[]
  captions: string[]
  size:
    type: string
    default: 50%
outputs:
  annotated:
    type: File[]
    outputSource: annotate/annotated
  montage:
    type: File
    outputSource: montage/montage
steps:
  resize:
    run: resize.cwl
    scatter: image
    in:
      image: images
      geometry: size
    out: [resized]
  annotate:
    run: annotate.cwl
    scatter: [image, caption]
    scatterMethod: dotproduct
    in:
      image: resize/resized
      caption: captions
    out: [annotated]
  montage:
    run: montage.cwl
    in:
      images: annotate/annotated
    out: [montage]
