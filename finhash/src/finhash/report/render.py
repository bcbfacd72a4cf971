"""Fill a report template from a results dict.

Placeholders are ``{{ path/to/value | fmt }}``: ``path`` walks the results dict with ``/`` (keys may
contain dots, e.g. ``tpr@0.001``); ``fmt`` is a Python format spec (``.3f``, ``,.0f``), ``pct``
(x100, one decimal, with ``%``), ``pct2`` (two decimals), or absent (``str``). Table placeholders
``{{ table:name }}`` insert a markdown table from ``results["tables"][name]`` (a dict with ``header``
and ``rows``). A placeholder whose path does not exist raises :class:`KeyError`, so a template can
never print a number that was not produced by the run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PH = re.compile(r"\{\{\s*([^}|]+?)\s*(?:\|\s*([^}]+?)\s*)?\}\}")


def lookup(results: Mapping[str, Any], path: str) -> Any:
    """Walk ``results`` along ``a/b/c``.

    Raises
    ------
    KeyError
        A step of the path is missing; the message names the full path.
    """
    cur: Any = results
    for part in path.split("/"):
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise KeyError(f"report placeholder {path!r}: no {part!r}")
    return cur


def fmt_value(v: Any, spec: str | None) -> str:
    """Format one value (see the module docstring)."""
    if v is None:
        return "n/a"
    if spec is None:
        return str(v)
    if spec == "pct":
        return f"{100 * float(v):.1f}%"
    if spec == "pct2":
        return f"{100 * float(v):.2f}%"
    return format(v, spec)


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A markdown table (cells already formatted or formatted with ``str``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def render(template: str, results: Mapping[str, Any], *, strict: bool = True, missing: list[str] | None = None) -> str:
    """Replace every placeholder of ``template`` from ``results``.

    Parameters
    ----------
    strict
        Raise :class:`KeyError` on a placeholder whose path is missing; otherwise write ``n/a`` and
        append the path to ``missing`` (a run restricted to some methods cannot fill the others).
    """

    def sub(m: re.Match[str]) -> str:
        path, spec = m.group(1), m.group(2)
        try:
            if path.startswith("table:"):
                t = lookup(results, "tables/" + path[6:])
                return markdown_table(t["header"], t["rows"])
            return fmt_value(lookup(results, path), spec)
        except KeyError:
            if strict:
                raise
            if missing is not None:
                missing.append(path)
            return "n/a"

    return _PH.sub(sub, template)
