"""Predictions input, report files, robustness, baseline and CLI errors on constructed data."""

from __future__ import annotations

import sys
from pathlib import Path

import imagehash
import numpy as np
import pandas as pd
import pytest
from classifier_report.baseline import SpectrumClassifier, train_baseline
from classifier_report.cli import main
from classifier_report.errors import ReportInputError
from classifier_report.predictions import join_metadata, read_predictions
from classifier_report.report import build_report
from classifier_report.robustness import PERTURBATIONS, command_scorer, robustness_table
from classifier_report.settings import Settings
from PIL import Image


def _face_like(seed: int, fake: bool) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).resize((256, 256), Image.Resampling.BICUBIC)
    arr = np.asarray(base).astype(np.int16)
    if fake:  # a generator-like periodic up-sampling trace
        arr[::2, ::2] += 12
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A question_01-shaped dataset: 40 real JPEG, 30 fake JPEG ('G1'), 10 fake PNG ('G2')."""
    root = tmp_path_factory.mktemp("q2ds")
    rows = []
    for i in range(80):
        fake = i >= 40
        gen = "none" if not fake else ("G1" if i < 70 else "G2")
        fmt = "PNG" if gen == "G2" else "JPEG"
        label = "fake" if fake else "real"
        rel = f"images/{label}/{i:03d}.{'png' if fmt == 'PNG' else 'jpg'}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        img = _face_like(i, fake)
        img.save(root / rel, quality=90) if fmt == "JPEG" else img.save(root / rel)
        rows.append({"image_id": f"id{i:03d}", "path": rel, "label": label, "generator": gen, "source": f"src-{gen}",
                     "filename": Path(rel).name, "format": fmt, "width": 256, "height": 256,
                     "file_size": (root / rel).stat().st_size, "jpeg_quality": 90.0 if fmt == "JPEG" else np.nan,
                     "sha256": f"sha{i}", "phash": str(imagehash.phash(img)), "face_area_ratio": 0.4,
                     "resolution_bucket": "256", "has_exif": False, "mode": "RGB"})  # fmt: skip
    pd.DataFrame(rows).to_parquet(root / "metadata.parquet", index=False)
    return root


def test_read_predictions_accepts_question_03_format(tmp_path: Path):
    p = tmp_path / "p.csv"
    p.write_text("filename,prob_fake,label\na.jpg,0.9,fake\nb.jpg,0.2,real\n")
    df = read_predictions(p)
    assert df["pred"].tolist() == [1, 0] and df["prob_fake"].tolist() == [0.9, 0.2]


@pytest.mark.parametrize(("text", "msg"), [("file,prob_fake\na,0.5\n", "filename column"),
                                           ("filename,x\na,0.5\n", "probability column"),
                                           ("filename,prob_fake\na,1.5\n", "in \\[0, 1\\]"),
                                           ("filename,prob_fake,label\na,0.5,maybe\n", "fake/real")])  # fmt: skip
def test_read_predictions_errors(tmp_path: Path, text: str, msg: str):
    p = tmp_path / "p.csv"
    p.write_text(text)
    with pytest.raises(ReportInputError, match=msg):
        read_predictions(p)


def test_join_by_path_basename_or_id(dataset: Path):
    meta = pd.read_parquet(dataset / "metadata.parquet")
    for names in (meta["path"], meta["filename"], "/somewhere/" + meta["filename"], meta["image_id"]):
        j = join_metadata(pd.DataFrame({"filename": names, "prob_fake": 0.5}), meta)
        assert j["y_true"].sum() == 40 and len(j) == 80
    extra = pd.DataFrame({"filename": [*meta["path"][:3], "images/real/zzz.jpg"], "prob_fake": 0.5})
    with pytest.raises(ReportInputError, match="match no metadata"):
        join_metadata(extra, meta)
    assert len(join_metadata(extra, meta, strict=False)) == 3


def test_report_finds_the_png_shortcut_and_writes_its_files(dataset: Path, tmp_path: Path):
    meta = pd.read_parquet(dataset / "metadata.parquet")
    rng = np.random.default_rng(0)
    # a "classifier" that is right on PNG fakes and guesses elsewhere
    prob = np.where(meta["format"] == "PNG", 0.97, rng.random(len(meta)))
    train = meta.iloc[::4]
    ev = meta.drop(train.index)
    joined = join_metadata(pd.DataFrame({"filename": ev["path"], "prob_fake": prob[ev.index]}), meta)
    joined = pd.concat([joined, join_metadata(pd.DataFrame({"filename": [train["path"].iloc[0]], "prob_fake": [0.5]}), meta)])
    res = build_report(joined, tmp_path / "rep", train_meta=train, shortcut_meta=meta, settings=Settings(n_bootstrap=50))
    text = res.markdown.read_text()
    for name in ("overview.png", "slices.png", "checks.png", "report.json", "slices.csv"):
        assert (tmp_path / "rep" / name).is_file()
    assert "all 10 images with `format = PNG` are fake" in text
    assert any(f.startswith("**Leakage**: 1 of") for f in res.findings)  # the training row put back in
    assert res.numbers["headline"]["n"] == len(joined)
    g2 = next(r for r in res.numbers["per_generator"] if r["generator"] == "G2")
    assert g2["recall"] == 1.0


def test_robustness_table_with_a_simple_scorer_and_a_command(dataset: Path, tmp_path: Path):
    meta = pd.read_parquet(dataset / "metadata.parquet").iloc[::8]
    images = [Image.open(dataset / p).convert("RGB") for p in meta["path"]]
    y = (meta["label"] == "fake").to_numpy().astype(int)

    def brightness(ims, names):
        return np.array([np.asarray(im, dtype=float).mean() / 255 for im in ims])

    t = robustness_table(images, list(meta["path"]), y, brightness, groups=meta["generator"].to_numpy())
    assert t["perturbation"].tolist() == list(PERTURBATIONS) and "recall[G1]" in t.columns
    script = tmp_path / "scorer.py"
    script.write_text("import sys, os, csv\nd, out = sys.argv[1], sys.argv[2]\n"
                      "w = csv.writer(open(out, 'w')); w.writerow(['filename', 'prob_fake'])\n"
                      "[w.writerow([f, 0.25]) for f in sorted(os.listdir(d))]\n")  # fmt: skip
    scorer = command_scorer(f"{sys.executable} {script} {{images}} {{out}}")
    assert scorer(images[:3], ["a", "b", "c"]).tolist() == [0.25] * 3
    with pytest.raises(ReportInputError, match="placeholders"):
        command_scorer("echo hi")
    with pytest.raises(ReportInputError, match="score command failed"):
        command_scorer(f"{sys.executable} -c 'raise SystemExit(2)' {{images}} {{out}}")(images[:1], ["a"])


def test_baseline_learns_a_periodic_trace_and_round_trips(dataset: Path, tmp_path: Path):
    meta = pd.read_parquet(dataset / "metadata.parquet")
    run = train_baseline(meta, dataset, holdout_generators=["G2"], seed=0, C=1.0)
    assert set(run.train["generator"]) == {"none", "G1"}
    assert (run.evaluated["generator"] == "G2").sum() == 10
    y = (run.evaluated["label"] == "fake").to_numpy()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, run.predictions["prob_fake"]) > 0.9
    path = run.model.save(tmp_path / "m.pkl")
    again = SpectrumClassifier.load(path)
    img = Image.open(dataset / meta["path"][0])
    assert again.score_images([img]) == pytest.approx(run.model.score_images([img]))


def test_cli_report_and_errors(dataset: Path, tmp_path: Path, capsys):
    meta = pd.read_parquet(dataset / "metadata.parquet")
    preds = tmp_path / "p.csv"
    pd.DataFrame({"filename": meta["filename"], "prob_fake": np.linspace(0, 1, len(meta)),
                  "label": np.where(np.linspace(0, 1, len(meta)) >= 0.5, "fake", "real"),
                  "split": ["train" if i % 3 == 0 else "val" for i in range(len(meta))]}).to_csv(preds, index=False)  # fmt: skip
    assert main(["report", "--predictions", str(preds), "--metadata", str(dataset), "--out", str(tmp_path / "r"),
                 "--no-plots"]) == 0
    assert "### Near-duplicate leakage" in (tmp_path / "r" / "report.md").read_text()
    split = tmp_path / "split.csv"  # question_03's split.csv shape: path,filename,...,split
    pd.DataFrame({"path": "/x/" + meta["filename"], "filename": meta["filename"],
                  "split": ["train"] * 40 + ["val"] * 40}).to_csv(split, index=False)  # fmt: skip
    val_preds = tmp_path / "v.csv"
    pd.DataFrame({"filename": meta["filename"][40:], "prob_fake": 0.7}).to_csv(val_preds, index=False)
    assert main(["report", "--predictions", str(val_preds), "--metadata", str(dataset), "--train-list", str(split),
                 "--out", str(tmp_path / "r2"), "--no-plots"]) == 0  # fmt: skip
    numbers = __import__("json").loads((tmp_path / "r2" / "report.json").read_text())
    assert numbers["leakage"]["n_train"] == 40 and numbers["leakage"]["n_evaluated"] == 40
    # predictions for every image: the 40 training rows are left out of the evaluation
    all_preds = tmp_path / "all.csv"
    pd.DataFrame({"filename": meta["filename"], "prob_fake": 0.7}).to_csv(all_preds, index=False)
    assert main(["report", "--predictions", str(all_preds), "--metadata", str(dataset), "--train-list", str(split),
                 "--out", str(tmp_path / "r3"), "--no-plots"]) == 0  # fmt: skip
    assert "40 predictions of training images were left out" in (tmp_path / "r3" / "report.md").read_text()
    train_only = tmp_path / "t.csv"
    pd.DataFrame({"filename": meta["filename"][:40], "prob_fake": 0.7}).to_csv(train_only, index=False)
    capsys.readouterr()
    assert main(["report", "--predictions", str(train_only), "--metadata", str(dataset), "--train-list", str(split),
                 "--out", str(tmp_path / "r4"), "--no-plots"]) == 1  # fmt: skip
    assert "nothing left to evaluate" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["report", "--predictions", str(tmp_path / "none.csv"), "--metadata", str(dataset), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "predictions file not found" in err
    assert main(["baseline", "--dataset", str(dataset), "--out", str(tmp_path / "b"), "--holdout-generator", "GAN9"]) == 1
    assert "unknown generator" in capsys.readouterr().err
