#!/usr/bin/env parsl-cwl
# An ExpressionTool: no command, the outputs come from one JavaScript expression.
cwlVersion: v1.2
class: ExpressionTool
requirements:
  InlineJavascriptRequirement: {}
inputs:
  values: int[]
outputs:
  total: int
  report: File
expression: |
  ${
    var total = inputs.values.reduce(function (a, b) { return a + b; }, 0);
    return {total: total, report: {class: 'File', basename: 'total.txt', contents: 'total=' + total + '\n'}};
  }
