"""What a person or a tool reads: the console report and the file formats.

    steps       how every report names a trace's steps (labels, the failing step, the lasso)
    console     the console report with rich: verdicts, statistics, trace tables; result JSON
    statedot    a small model's state graph as Graphviz DOT, a trace's path highlighted
    formats     one run (of check or ci) as text, JSON, SARIF, JUnit, Markdown or HTML:
      common      what every format says the same way: kinds, outcomes, locations, statistics
      tracerows   a trace as rows of cells with what changed marked; report paths
      sequence    a trace as a sequence diagram of processes and channels (Mermaid, SVG)
      text, jsonfmt, sarif, junit, markdown, html   one module per format
"""
