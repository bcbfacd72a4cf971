"""CLI: subcommands, output format, errors, plugin registration."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from finhash.golden import load_golden
from PIL import Image

from finhash import cli


@pytest.fixture(scope="module")
def golden_rows(dataset):
    return load_golden(dataset("finhash"))


@pytest.mark.data
def test_hash_prints_hex_comma_filename(golden_rows, capsys):
    rows = [g for g in golden_rows if g.name.startswith(("sq64_", "port", "mnist"))][:6]
    rc = cli.main(["hash", "--method", "numba", *[str(g.path) for g in rows]])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out == [f"{g.corrected},{g.path}" for g in rows]


@pytest.mark.data
def test_hash_with_workers_keeps_order(golden_rows, capsys):
    rows = [g for g in golden_rows if g.name.startswith("sq64_")][:8]
    rc = cli.main(["hash", "--method", "numpy", "--workers", "2", *[str(g.path) for g in rows]])
    assert rc == 0
    assert capsys.readouterr().out.splitlines() == [f"{g.corrected},{g.path}" for g in rows]


def test_hash_reports_bad_files_and_continues(tmp_path, capsys):
    good = tmp_path / "good.png"
    Image.new("RGB", (40, 40), "green").save(good)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"nope")
    rc = cli.main(["hash", "--method", "numpy", str(bad), str(good), str(tmp_path / "gone.png")])
    captured = capsys.readouterr()
    assert rc == 1
    lines = captured.out.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f",{good}") and len(lines[0].split(",")[0]) == 64
    assert "broken.png" in captured.err and "gone.png" in captured.err and "2 of 3" in captured.err
    assert "Traceback" not in captured.err


def test_directory_argument_expands(tmp_path, capsys):
    for i in range(3):
        Image.new("L", (20 + i, 30), i * 60).save(tmp_path / f"im{i}.png")
    (tmp_path / "notes.txt").write_text("skip me")
    assert cli.main(["hash", "--method", "numpy", str(tmp_path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_bad_input_one_line_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "finhash.cli", "hash", "--method", "nope", "x.png"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "invalid choice" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "finhash.cli"], capture_output=True, text=True)
    assert proc.returncode == 2 and "hash" in proc.stderr


def test_plugins_register_and_missing_ones_are_skipped(monkeypatch):
    import types

    calls = []
    fake = types.ModuleType("finhash.compare.cli")

    def register(subparsers):
        calls.append("compare")
        p = subparsers.add_parser("compare")
        p.set_defaults(func=lambda args: 7)

    fake.register = register  # type: ignore[attr-defined]
    real_import = cli.importlib.import_module

    def fake_import(name):
        if name == "finhash.compare.cli":
            return fake
        if name.startswith("finhash.") and name.endswith(".cli"):
            err = ImportError(f"No module named {name!r}")
            err.name = name
            raise err
        return real_import(name)

    monkeypatch.setattr(cli.importlib, "import_module", fake_import)
    assert cli.main(["compare"]) == 7
    assert calls == ["compare"]
    parser = argparse.ArgumentParser()
    assert cli._register_plugins(parser.add_subparsers()) == ["compare"]


def test_broken_plugin_import_is_not_hidden(monkeypatch):
    def fake_import(name):
        err = ImportError("No module named 'somethingelse'")
        err.name = "somethingelse"
        raise err

    monkeypatch.setattr(cli.importlib, "import_module", fake_import)
    with pytest.raises(ImportError):
        cli._register_plugins(argparse.ArgumentParser().add_subparsers())
