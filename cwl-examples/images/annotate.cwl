#!/usr/bin/env cwl-runner
# Step 2 of the pipeline: blur an image and write a caption on it.
cwlVersion: v1.2
class: CommandLineTool
doc: Blur an image and annotate it with a caption (ImageMagick `-blur`, `-annotate`).
baseCommand:
  - sh
  - -c
  - 'if command -v magick >/dev/null 2>&1; then exec magick "$@"; else exec /usr/bin/convert "$@"; fi'
  - convert
inputs:
  image:
    type: File
    inputBinding:
      position: 1
  caption:
    type: string
  sigma:
    type: int
    default: 2
arguments:
  - position: 2
    prefix: -blur
    valueFrom: 0x$(inputs.sigma)
  - {position: 3, valueFrom: -gravity}
  - {position: 4, valueFrom: south}
  - {position: 5, valueFrom: -fill}
  - {position: 6, valueFrom: white}
  - {position: 7, valueFrom: -annotate}
  - {position: 8, valueFrom: +0+4}
  - {position: 9, valueFrom: $(inputs.caption)}
  - {position: 10, valueFrom: annotated-$(inputs.image.basename)}
outputs:
  annotated:
    type: File
    outputBinding:
      glob: annotated-$(inputs.image.basename)
