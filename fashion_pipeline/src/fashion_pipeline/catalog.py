"""Robust reading of the catalogue: ``styles.csv`` (and the optional ``images.csv``).

``styles.csv`` has 10 columns. In the Kaggle file 22 rows contain unquoted commas inside
``productDisplayName`` (the last column), so they split into 11 or 12 fields. Those rows are
*repaired*: the extra fields are joined back into ``productDisplayName`` and the row is
counted as repaired. Rows that cannot be made valid (too few fields, non-integer id, invalid
year, duplicate id) are *rejected* and reported with their line number; nothing is dropped
silently. Empty fields become ``None``.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Expected header of styles.csv, in order.
STYLE_COLUMNS = (
    "id", "gender", "masterCategory", "subCategory", "articleType",
    "baseColour", "season", "year", "usage", "productDisplayName",
)


class CatalogError(ValueError):
    """The file cannot be read as a catalogue at all (missing, no/invalid header)."""


@dataclass(slots=True)
class StyleRow:
    """One validated row of ``styles.csv`` (public CSV names; empty fields are ``None``)."""

    id: int
    gender: str | None
    masterCategory: str | None
    subCategory: str | None
    articleType: str | None
    baseColour: str | None
    season: str | None
    year: int | None
    usage: str | None
    productDisplayName: str | None
    line: int = 0
    repaired: bool = False


@dataclass(frozen=True)
class RejectedRow:
    """A row that could not be used: its 1-based line number, the reason and the raw text."""

    line: int
    reason: str
    raw: str


@dataclass
class Catalog:
    """The parsed catalogue.

    Attributes
    ----------
    rows
        Valid rows in file order.
    repaired
        Line numbers of rows that were repaired (extra commas in productDisplayName).
    rejected
        Rows that could not be used, with line numbers and reasons.
    """

    path: Path
    rows: list[StyleRow] = field(default_factory=list)
    repaired: list[int] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def by_id(self) -> dict[int, StyleRow]:
        """Rows keyed by id."""
        return {r.id: r for r in self.rows}


def _parse_int(text: str) -> int:
    """``"2011"`` or ``"2011.0"`` -> 2011; anything else raises ValueError."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(text) from None
        return int(number)


def _parse_row(fields: list[str], header: tuple[str, ...], index: dict[str, int], line: int) -> StyleRow | str:
    """Return a StyleRow, or a rejection reason."""
    n = len(header)
    repaired = False
    if len(fields) > n:
        if header[-1] != "productDisplayName":
            return f"{len(fields)} fields, expected {n}"
        fields = [*fields[: n - 1], ",".join(fields[n - 1 :])]
        repaired = True
    elif len(fields) < n:
        return f"{len(fields)} fields, expected {n}"
    raw_id = fields[index["id"]].strip()
    try:
        pid = int(raw_id)
    except ValueError:
        return f"id {raw_id!r} is not an integer"
    if pid < 0 or pid > 2**31 - 1:
        return f"id {pid} out of range"
    raw_year = fields[index["year"]].strip()
    year: int | None = None
    if raw_year:
        try:
            year = _parse_int(raw_year)
        except (ValueError, OverflowError):
            return f"year {raw_year!r} is not an integer"
        if not 0 <= year <= 9999:
            return f"year {year} out of range"
    g = fields.__getitem__
    return StyleRow(
        id=pid,
        gender=g(index["gender"]).strip() or None,
        masterCategory=g(index["masterCategory"]).strip() or None,
        subCategory=g(index["subCategory"]).strip() or None,
        articleType=g(index["articleType"]).strip() or None,
        baseColour=g(index["baseColour"]).strip() or None,
        season=g(index["season"]).strip() or None,
        year=year,
        usage=g(index["usage"]).strip() or None,
        productDisplayName=g(index["productDisplayName"]).strip() or None,
        line=line,
        repaired=repaired,
    )


def parse_styles(lines: Iterable[str], path: str | os.PathLike[str] = "<styles.csv>") -> Catalog:
    """Parse ``styles.csv`` content (an iterable of lines, e.g. an open file).

    Parameters
    ----------
    lines
        The file's lines (with or without newlines).
    path
        Only used in messages and in :attr:`Catalog.path`.

    Raises
    ------
    CatalogError
        No header, or the header lacks one of :data:`STYLE_COLUMNS`.

    Examples
    --------
    >>> cat = parse_styles(["id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName",
    ...                     "1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Shirt, Tie and Cufflinks",
    ...                     "x,Men"])
    >>> cat.rows[0].productDisplayName, cat.repaired, [(r.line, r.reason) for r in cat.rejected]
    ('Shirt, Tie and Cufflinks', [2], [(3, '2 fields, expected 10')])
    """
    catalog = Catalog(path=Path(path))
    reader = csv.reader(lines)
    try:
        header_fields = next(reader)
    except StopIteration:
        raise CatalogError(f"{path}: empty file, expected header {','.join(STYLE_COLUMNS)}") from None
    header = tuple(h.strip().lstrip("\ufeff") for h in header_fields)
    missing = [c for c in STYLE_COLUMNS if c not in header]
    if missing:
        raise CatalogError(f"{path}: header lacks column(s) {', '.join(missing)}; got {','.join(header)}")
    index = {name: header.index(name) for name in STYLE_COLUMNS}
    seen: dict[int, int] = {}
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            catalog.rejected.append(RejectedRow(reader.line_num, f"CSV error: {exc}", ""))
            continue
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue  # blank line
        parsed = _parse_row(fields, header, index, line)
        if isinstance(parsed, str):
            catalog.rejected.append(RejectedRow(line, parsed, ",".join(fields)))
            continue
        if parsed.id in seen:
            catalog.rejected.append(RejectedRow(line, f"duplicate id {parsed.id} (first on line {seen[parsed.id]})",
                                                ",".join(fields)))
            continue
        seen[parsed.id] = line
        catalog.rows.append(parsed)
        if parsed.repaired:
            catalog.repaired.append(line)
    if catalog.rejected:
        log.warning("%s: %d row(s) rejected, first on line %d: %s", path, len(catalog.rejected),
                    catalog.rejected[0].line, catalog.rejected[0].reason)
    return catalog


def read_styles(path: str | os.PathLike[str]) -> Catalog:
    """Read and validate a ``styles.csv`` file (see :func:`parse_styles`).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    CatalogError
        The header is missing or incomplete.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: styles.csv not found")
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        return parse_styles(fh, path)


def read_images_csv(path: str | os.PathLike[str]) -> tuple[dict[int, str], list[RejectedRow]]:
    """Read the optional ``images.csv`` (``filename,link``): ``{id: link}`` plus rejected rows.

    ``filename`` is ``<id>.jpg``; rows whose filename is not an integer id are rejected.
    """
    path = Path(path)
    links: dict[int, str] = {}
    rejected: list[RejectedRow] = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"filename", "link"} <= {f.strip() for f in reader.fieldnames}:
            raise CatalogError(f"{path}: expected header 'filename,link'")
        for row in reader:
            name = (row.get("filename") or "").strip()
            stem = name.rsplit(".", 1)[0]
            if not stem.isdigit():
                rejected.append(RejectedRow(reader.line_num, f"filename {name!r} is not <id>.jpg", name))
                continue
            links[int(stem)] = (row.get("link") or "").strip()
    return links, rejected
