"""CLI: ingest / query / stats / show / verify / db-upgrade in-process, bad input, plug-in loading."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fashion_pipeline import cli

pytestmark = pytest.mark.data


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ("FASHION_DATABASE_URL", "FASHION_STORAGE", "FASHION_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FASHION_DATA_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_ingest_query_stats_show_verify(env: Path, subset_dir: Callable[..., Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data = subset_dir(15)
    args = ["ingest", "--styles", str(data / "styles.csv"), "--images", str(data / "images"), "--no-progress"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "ingested (new rows)            15" in out and "without an image file          10" in out
    assert (env / "fashion.db").is_file() and (env / "objects" / "raw" / "images").is_dir()

    assert cli.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["already_present"] == 15 and report["ingested"] == 0 and report["ok"]

    assert cli.main(["query", "--format", "json", "--limit", "100"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 15 and len(result["items"]) == 15
    first = result["items"][0]

    assert cli.main(["query", "--gender", first["gender"], "--format", "jsonl", "--sort=-id"]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert lines and all(x["gender"] == first["gender"] for x in lines)
    assert [x["id"] for x in lines] == sorted((x["id"] for x in lines), reverse=True)
    assert json.loads(captured.err)["total"] == len(lines)

    assert cli.main(["query", "--spec", json.dumps({"ids": [first["id"]]})]) == 0
    table = capsys.readouterr().out
    assert str(first["id"]) in table and "1 of 1 matching products" in table

    assert cli.main(["stats", "--by", "masterCategory", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["total"] == 15

    assert cli.main(["show", str(first["id"])]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["image_url"].startswith("file://") and Path(shown["image_url"][7:]).is_file()

    assert cli.main(["verify"]) == 0
    assert "orphan objects (no row): 0" in capsys.readouterr().out
    (env / "objects" / "raw" / "images" / "424242.jpg").write_bytes(b"stray")
    assert cli.main(["verify", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["orphan_objects"] == ["raw/images/424242.jpg"]


@pytest.mark.parametrize("argv", [
    ["query", "--limit", "-3"],
    ["query", "--sort", "nope"],
    ["query", "--year-min", "2015", "--year-max", "2000"],
    ["query", "--spec", "{broken"],
    ["stats", "--by", "productDisplayName"],
    ["show", "987654321"],
    ["ingest", "--styles", "/nonexistent/styles.csv", "--images", "/nonexistent"],
])
def test_bad_input_is_one_line_on_stderr(env: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fashion-pipeline: ") and "\n" not in err and "Traceback" not in err


def test_db_upgrade_and_help(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db-upgrade"]) == 0
    assert "at head" in capsys.readouterr().out
    assert cli.main([]) == 2
    parser = cli.build_parser(plugins=False)
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert set(cli.BUILTIN_COMMANDS) <= commands


def test_plugin_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    calls: list[str] = []
    mod = types.ModuleType("fp_test_plugin")

    def register(sub: object) -> None:
        p = sub.add_parser("hello")  # type: ignore[attr-defined]
        p.set_defaults(func=lambda args: calls.append("hello") or 0)

    mod.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fp_test_plugin", mod)
    monkeypatch.setattr(cli, "PLUGIN_MODULES", ("fp_test_plugin", "fp_missing_plugin"))
    assert cli.main(["hello"]) == 0 and calls == ["hello"]
