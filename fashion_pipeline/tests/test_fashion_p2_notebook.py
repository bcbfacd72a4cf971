"""The walkthrough notebook runs headless on a small catalogue subset; any failing cell fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"


def test_committed_notebook_is_small_and_has_outputs():
    import nbformat

    assert NOTEBOOK.stat().st_size < 1_500_000
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("outputs") for c in code), "commit the notebook executed, with outputs"
    assert not any(o.get("output_type") == "error" for c in code for o in c["outputs"])


@pytest.mark.slow
def test_notebook_executes_headless_on_a_small_limit(dataset, monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    dataset("fashion")  # skips (or fails under IMAGECORE_REQUIRE_DATA) without the catalogue
    monkeypatch.setenv("FASHION_NOTEBOOK_LIMIT", "40")
    monkeypatch.delenv("FASHION_API_URL", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("FASHION_TORCH_THREADS", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs)
