"""``finhash report``: rerun the measurements and regenerate REPORT.md and its figures.

Modules
-------
run        the measurement pipeline at a named scale (``small`` for CI, ``full`` for the report)
figures    matplotlib figures (Agg) from the results
render     fill the report template's ``{{ path | format }}`` placeholders and tables from the results
wordcount  count the words of a markdown report, excluding tables, code and figure lines
part1      find (or run) part 1's FINd benchmark JSON for the report's first part
"""
