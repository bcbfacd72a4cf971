"""The report template: markdown with ``{{ path | fmt }}`` placeholders (see :mod:`finhash.report.render`)."""

TEMPLATE = """# FINd and imagehash: draft

Scale {{ meta/scale/name }}; {{ datasets/memeset/n_images | , }} meme-like images.

{{ table:accuracy_memeset }}

{{ table:accuracy_nearduplicates }}

{{ table:per_transform }}

{{ table:cost }}

{{ table:index }}

{{ table:p1_speed }}

{{ table:p1_memory }}
"""
