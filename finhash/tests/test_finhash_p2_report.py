"""Report: template rendering, word count, the committed REPORT.md, and `finhash report --small` end to end."""

import argparse
import importlib
import json
import re
from pathlib import Path

import pytest
from finhash.report.render import lookup, markdown_table, render
from finhash.report.wordcount import count_words, prose

REPORT = Path(__file__).resolve().parents[1] / "report" / "REPORT.md"
WORD_LIMIT = 3500


def p2_cli(argv):
    """Run part 2's subcommands through their register() hooks, as finhash.cli does."""
    parser = argparse.ArgumentParser(prog="finhash")
    sub = parser.add_subparsers(dest="command")
    for name in ("compare", "index", "memeset", "report"):
        importlib.import_module(f"finhash.{name}.cli").register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_render_fills_values_formats_and_tables():
    res = {"a": {"tpr@0.001": 0.12345, "n": 56000}, "tables": {"t": {"header": ["x", "y"], "rows": [[1, 2]]}}, "l": [5, 6]}
    out = render("TPR {{ a/tpr@0.001 | pct }} n={{a/n|,}} raw {{ a/tpr@0.001|.2f }} {{ l/1 }}\n{{ table:t }}", res)
    assert out.startswith("TPR 12.3% n=56,000 raw 0.12 6\n| x | y |\n|---|---|\n| 1 | 2 |")
    with pytest.raises(KeyError, match="a/missing"):
        render("{{ a/missing }}", res)
    assert lookup(res, "a/n") == 56000
    assert markdown_table(["h"], []) == "| h |\n|---|"


def test_word_count_excludes_tables_code_images_and_comments():
    md = "# Title here\n\nOne two three.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nx = 1\n```\n\n![fig](figures/roc.png)\n<!-- note -->\n    indented code\n[link text](http://x)\n"
    assert count_words(md) == 2 + 3 + 2
    assert "x = 1" not in prose(md)


def test_committed_report_is_within_limit_and_fully_rendered():
    if not REPORT.is_file():
        pytest.skip("finhash/report/REPORT.md not generated yet (run `finhash report`)")
    text = REPORT.read_text()
    assert count_words(text) <= WORD_LIMIT
    assert "{{" not in text and "}}" not in text
    assert re.search(r"^# .*Part 1", text, re.M | re.I) or "## Part 1" in text
    assert "## Part 2" in text
    for fig in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (REPORT.parent / fig).is_file(), fig


@pytest.mark.data
@pytest.mark.slow
def test_report_small_end_to_end(tmp_path, dataset, monkeypatch):
    root = dataset("nearduplicates").parent
    dataset("faces")
    rc = p2_cli(["report", "--small", "--quiet", "--out", str(tmp_path / "rep"), "--results-dir", str(tmp_path / "res"),
                 "--data-root", str(root), "--methods", "phash64,dhash256,pdq256,find256"])
    assert rc == 0
    text = (tmp_path / "rep" / "REPORT.md").read_text()
    assert "{{" not in text and count_words(text) <= WORD_LIMIT
    res = json.loads((tmp_path / "res" / "p2_report_small.json").read_text())
    assert {"accuracy", "cost", "index", "clustering", "part1", "derived"} <= set(res)
    assert res["index"]["backends"]["faiss_flat"]["range_equal_numpy"] is True
    assert res["index"]["backends"]["faiss_mih"]["range_equal_numpy"] is True
    for fig in res["meta"]["figures"]:
        assert (tmp_path / "rep" / "figures" / fig).stat().st_size > 1000
    # re-render from the saved results without measuring
    assert p2_cli(["report", "--small", "--render-only", "--out", str(tmp_path / "rep2"), "--results-dir", str(tmp_path / "res")]) == 0
    assert (tmp_path / "rep2" / "REPORT.md").read_text() == text


def test_cli_errors_are_one_line_with_exit_codes(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(tmp_path / "nodata"))
    assert p2_cli(["compare"]) == 3
    assert "not found" in capsys.readouterr().err
    assert p2_cli(["compare", "--dataset", "memeset"]) == 2
    assert p2_cli(["compare", "--methods", "nope"]) == 2
    assert p2_cli(["memeset", "check", "--folder", str(tmp_path / "none")]) == 2
    assert p2_cli(["memeset", "build", str(tmp_path / "o"), "--families", "0"]) == 2
    assert p2_cli(["index", "bench", "--families", "1"]) == 2
    assert p2_cli(["report", "--render-only", "--results-dir", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 6


def test_index_bench_cli_small(capsys):
    assert p2_cli(["index", "bench", "--families", "20", "--family-size", "5", "--queries", "50", "--numpy-queries", "20"]) == 0
    out = capsys.readouterr().out
    assert "faiss_mih" in out and "True" in out


@pytest.mark.data
def test_compare_and_cluster_cli_on_nearduplicates(dataset, capsys):
    root = str(dataset("nearduplicates"))
    assert p2_cli(["compare", "--root", root, "--families", "15", "--methods", "phash64,pdq256", "--negatives", "2000", "--quiet"]) == 0
    assert "pdq256" in capsys.readouterr().out
    assert p2_cli(["index", "cluster", "--root", root, "--families", "15", "--method", "phash64", "--radius", "4"]) == 0
    assert "ARI" in capsys.readouterr().out


def test_demo_run_small(dataset, capsys):
    dataset("nearduplicates")
    dataset("faces")
    from finhash.compare.demo import run

    run(small=True)
    out = capsys.readouterr().out
    assert "nearduplicates" in out and "memeset" in out


def test_strict_threshold_bounds_false_edges():
    import numpy as np
    from finhash.compare.metrics import n_between_pairs
    from finhash.report.run import strict_threshold

    fam = [str(i // 2) for i in range(100)]  # 50 families of 2 -> 4,900 between-family pairs
    assert n_between_pairs(fam) == 4900
    fpr = np.array([0.0, 0.001, 0.002, 0.01, 0.5])
    # budget 0.1 x 100 images = 10 false edges: fpr * 4900 <= 10 -> fpr <= 0.00204
    assert strict_threshold(fpr, fam) == 2
    assert strict_threshold(np.array([0.5, 0.9]), fam) == -1
