"""Catalogue parsing: the real styles.csv and every malformed-row case."""

from __future__ import annotations

from pathlib import Path

import pytest
from fashion_pipeline.catalog import STYLE_COLUMNS, CatalogError, parse_styles, read_images_csv, read_styles

HEADER = ",".join(STYLE_COLUMNS)


@pytest.mark.data
def test_real_styles_csv_counts_and_repairs(fashion_dir: Path) -> None:
    cat = read_styles(fashion_dir / "styles.csv")
    assert len(cat.rows) == 44446
    assert len(cat.repaired) == 22
    assert cat.rejected == []
    by_id = cat.by_id()
    # line 6044: one extra comma; line 15076: two extra commas
    assert by_id[44065].productDisplayName == "Boss Men Perfume, After Shave Balm and Shower Gel Set"
    assert by_id[44065].line == 6044 and by_id[44065].repaired
    assert by_id[23124].productDisplayName == "Converse Unisex Navy Blue Liv,Laugh,Love Flip-flops"
    assert by_id[23124].line == 15076
    assert 6044 in cat.repaired and 15076 in cat.repaired and 38404 in cat.repaired
    # a normal row, and a quote inside an unquoted field
    assert by_id[15970].articleType == "Shirts" and by_id[15970].year == 2011 and not by_id[15970].repaired
    assert by_id[7491].productDisplayName == "Nike Women's EM Tempo 3.5\" Pink Short"
    # empty fields become None; the one row without a year has year None
    assert sum(r.year is None for r in cat.rows) == 1
    assert all(r.year is None or 2000 <= r.year <= 2020 for r in cat.rows)
    assert sum(r.season is None for r in cat.rows) == 21


def test_malformed_rows_are_repaired_or_rejected_with_line_numbers() -> None:
    lines = [
        HEADER,
        "1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,A, B and C",  # repaired
        "2,Men,Apparel",  # too few fields
        "x3,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Name",  # bad id
        "4,Men,Apparel,Topwear,Shirts,Blue,Fall,20x1,Casual,Name",  # bad year
        "1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Duplicate",  # duplicate id
        "",  # blank line: ignored
        "5,,Apparel,,Shirts,,,,,",  # empty fields -> None
        "6,Women,Apparel,Topwear,Tops,Red,Summer,2012.0,Casual,Top",  # float year
        "7,Women,Apparel,Topwear,Tops,Red,Summer,1e99,Casual,Top",  # year out of range/not int
    ]
    cat = parse_styles(lines)
    assert [r.id for r in cat.rows] == [1, 5, 6]
    assert cat.rows[0].productDisplayName == "A, B and C" and cat.repaired == [2]
    assert [(r.line, r.reason.split(" ")[0]) for r in cat.rejected] == [
        (3, "3"), (4, "id"), (5, "year"), (6, "duplicate"), (10, "year"),
    ]
    five = cat.rows[1]
    assert five.gender is None and five.year is None and five.productDisplayName is None
    assert cat.rows[2].year == 2012
    assert "expected 10" in cat.rejected[0].reason


def test_header_errors() -> None:
    with pytest.raises(CatalogError, match="empty file"):
        parse_styles([])
    with pytest.raises(CatalogError, match="lacks column"):
        parse_styles(["id,gender", "1,Men"])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_styles(tmp_path / "nope.csv")


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "styles.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Shirt\r\n").encode())
    cat = read_styles(path)
    assert [r.productDisplayName for r in cat.rows] == ["Shirt"]


def test_images_csv(tmp_path: Path) -> None:
    path = tmp_path / "images.csv"
    path.write_text("filename,link\n15970.jpg,http://x/a.jpg\nbad.jpg,http://x/b.jpg\n")
    links, rejected = read_images_csv(path)
    assert links == {15970: "http://x/a.jpg"}
    assert [(r.line, "bad.jpg" in r.reason) for r in rejected] == [(3, True)]
    (tmp_path / "wrong.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CatalogError):
        read_images_csv(tmp_path / "wrong.csv")
