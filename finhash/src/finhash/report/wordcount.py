"""Count the words of a markdown report the way the 3,500-word limit counts them.

Excluded: table rows (lines starting with ``|``), fenced code blocks, indented code, image lines,
HTML comments, and link targets. Headings and list items count.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_WORD = re.compile(r"[A-Za-z0-9][\w.,%/'’×+\-–]*")


def prose(markdown: str) -> str:
    """The prose of ``markdown``: everything the word limit counts."""
    text = _COMMENT.sub("", markdown)
    keep: list[str] = []
    fenced = False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or s.startswith("|") or s.startswith("![") or line.startswith(("    ", "\t")):
            continue
        keep.append(_LINK.sub(r"\1", line))
    return "\n".join(keep)


def count_words(markdown: str) -> int:
    """Number of words of prose in ``markdown``.

    Examples
    --------
    >>> count_words("# Title\\n\\nTwo words.\\n\\n| a | b |\\n|---|---|\\n\\n```\\ncode here\\n```\\n")
    3
    """
    return len(_WORD.findall(prose(markdown)))
