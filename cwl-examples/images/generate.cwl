#!/usr/bin/env cwl-runner
# Makes one test picture: a vertical gradient from `top` to `bottom` colour.
# Uses ImageMagick 7's `magick` when present, else Debian's ImageMagick 6 /usr/bin/convert
# (a `convert` earlier on PATH may be a stand-in that cannot draw).
cwlVersion: v1.2
class: CommandLineTool
doc: Generate a gradient test image with ImageMagick.
baseCommand:
  - sh
  - -c
  - 'if command -v magick >/dev/null 2>&1; then exec magick "$@"; else exec /usr/bin/convert "$@"; fi'
  - convert
inputs:
  top: string
  bottom:
    type: string
    default: black
  size:
    type: string
    default: 320x240
arguments:
  - -size
  - $(inputs.size)
  - gradient:$(inputs.top)-$(inputs.bottom)
  - $(inputs.top).png
outputs:
  image:
    type: File
    outputBinding:
      glob: $(inputs.top).png
