"""Parallel batch hashing, profiling outputs, benchmark helpers, settings, golden loader, demo."""

from __future__ import annotations

import json

import numpy as np
import pytest
from finhash.golden import load_golden
from finhash.parallel import expand_paths, hash_files
from finhash.profiling import profile_all
from finhash.settings import get_settings
from imagecore.config import DataNotFoundError
from PIL import Image

from finhash import bench, demo


@pytest.fixture(scope="module")
def golden_rows(dataset):
    return load_golden(dataset("finhash"))


@pytest.mark.data
@pytest.mark.parametrize("method", ["numba", "numpy"])
def test_process_parallel_batch_is_bit_exact_and_ordered(golden_rows, method):
    rows = golden_rows[::9]
    results = list(hash_files([g.path for g in rows], method=method, workers=2, chunksize=3))
    assert [r.path for r in results] == [str(g.path) for g in rows]
    assert [r.hex for r in results] == [g.corrected for g in rows]


def test_batch_reports_failures_and_continues(tmp_path):
    good = tmp_path / "ok.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (33, 47, 3), dtype=np.uint8)).save(good)
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(good.read_bytes()[:60])
    huge = tmp_path / "huge.png"
    Image.new("L", (400, 300)).save(huge)
    paths = [good, trunc, tmp_path / "missing.png", huge, good]
    for workers in (1, 2):
        res = list(hash_files(paths, method="numpy", workers=workers, chunksize=1, max_pixels=100_000))
        assert [r.ok for r in res] == [True, False, False, False, True]
        assert "trunc.png" in res[1].error and "missing.png" in res[2].error
        assert "huge.png" in res[3].error and "exceeds the limit" in res[3].error
        assert res[0].hex == res[4].hex


def test_expand_paths(tmp_path):
    for name in ("b.png", "a.jpg", "c.txt"):
        (tmp_path / name).write_bytes(b"")
    assert expand_paths([str(tmp_path), "x.png"]) == [str(tmp_path / "a.jpg"), str(tmp_path / "b.png"), "x.png"]


def test_profile_writes_text_json_and_plot(tmp_path):
    summary = profile_all(["baseline", "numpy", "numba"], out_dir=tmp_path, n_images=2, size=40)
    for name in ("baseline", "numpy", "numba"):
        assert summary[name]["ms_per_image"] > 0
        assert (tmp_path / f"{name}.cprofile.txt").read_text().strip()
        rows = json.loads((tmp_path / f"{name}.cprofile.json").read_text())
        assert rows and {"function", "tottime_s", "ncalls"} <= set(rows[0])
        assert "Line #" in (tmp_path / f"{name}.lines.txt").read_text()
        assert json.loads((tmp_path / f"{name}.memory.json").read_text())["peak_kib"] > 0
    assert "box_filter" in (tmp_path / "baseline.lines.txt").read_text()
    assert set(json.loads((tmp_path / "numba.stages.json").read_text())) >= {"luma_kernel_ms"}
    assert (tmp_path / "p1_profile.png").stat().st_size > 1000
    assert set(json.loads((tmp_path / "profile_summary.json").read_text())["variants"]) == {
        "baseline",
        "numpy",
        "numba",
    }


def test_extrapolation_is_linear():
    ex = bench.extrapolate({"a": 2.0})["a"]
    assert ex["1M_core_hours"] == pytest.approx(2.0 * 1e6 / 1e3 / 3600)
    assert ex["1B_core_hours"] == pytest.approx(1000 * ex["1M_core_hours"])


def test_plots_from_results(tmp_path):
    results = {
        "speedup": {
            "ms_per_image": {"baseline": 300.0, "numba": 0.5},
            "speedup_vs_baseline": {"baseline": 1.0, "numba": 600.0},
        },
        "scaling_size": {
            "ms_per_image": {"numba": {"64": 0.1, "512": 1.0}},
            "peak_kib": {"numba": {"64": 10.0, "512": 900.0}},
        },
        "scaling_n": {"seconds": {"numba": {"10": 0.01, "100": 0.1}}},
        "end_to_end": {"x_floor": {"numba": 1.2}},
    }
    written = bench.plot_all(results, tmp_path)
    assert {p.name for p in written} == {
        "p1_speedup.png",
        "p1_scaling_size.png",
        "p1_scaling_n.png",
        "p1_end_to_end.png",
    }
    path = bench.write_json(tmp_path, "p1_x", {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    replot_dir = tmp_path / "again"
    bench.write_json(replot_dir, "p1_speedup", results["speedup"])
    assert [p.name for p in bench.replot(replot_dir)] == ["p1_speedup.png"]
    assert set(bench.machine_info()) >= {"cpu_count", "python", "torch", "numba"}


def test_best_time_and_peak_memory():
    assert bench.best_time(lambda: None, 3) >= 0
    assert bench.peak_memory(lambda: np.ones(1_000_000)) >= 8_000_000


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FINHASH_RESULTS_DIR", str(tmp_path))
    monkeypatch.setenv("FINHASH_METHOD", "numpy")
    monkeypatch.setenv("FINHASH_WORKERS", "3")
    s = get_settings()
    assert (s.results_dir, s.method, s.workers) == (tmp_path, "numpy", 3)


def test_missing_golden_data_is_a_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FINHASH_GOLDEN_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match="nowhere"):
        load_golden()
    assert demo.main(["--small"]) == 3
    assert "not found" in capsys.readouterr().err
