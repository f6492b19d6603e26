#!/usr/bin/env cwl-runner
# Step 3 of the pipeline: tile all images into one contact sheet (ImageMagick `montage`).
cwlVersion: v1.2
class: CommandLineTool
doc: Tile images into one picture with ImageMagick montage.
baseCommand:
  - sh
  - -c
  - 'if command -v magick >/dev/null 2>&1; then exec magick montage "$@"; else exec /usr/bin/montage "$@"; fi'
  - montage
inputs:
  images:
    type: File[]
    inputBinding:
      position: 1
  columns:
    type: int
    default: 3
    inputBinding:
      position: 2
      prefix: -tile
      valueFrom: $(self)x
  output_name:
    type: string
    default: montage.png
arguments:
  - {position: 3, prefix: -geometry, valueFrom: +4+4}
  - {position: 4, valueFrom: $(inputs.output_name)}
outputs:
  montage:
    type: File
    outputBinding:
      glob: $(inputs.output_name)
