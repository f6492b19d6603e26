#!/usr/bin/env cwl-runner
# Step 1 of the pipeline: scale an image (ImageMagick `-resize`).
cwlVersion: v1.2
class: CommandLineTool
doc: Resize an image with ImageMagick.
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
  geometry:
    type: string
    default: 50%
    inputBinding:
      position: 2
      prefix: -resize
arguments:
  - position: 3
    valueFrom: resized-$(inputs.image.basename)
outputs:
  resized:
    type: File
    outputBinding:
      glob: resized-$(inputs.image.basename)
