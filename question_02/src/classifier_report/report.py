"""Assemble the Markdown report, its PNG plots and a JSON of every number."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn import metrics as skm

from classifier_report.checks import (
    LeakageResult,
    ShortcutResult,
    leakage_check,
    shortcut_check,
    unseen_generator_check,
)
from classifier_report.errors import ReportInputError
from classifier_report.metrics import (
    base_rate_table,
    bootstrap_interval,
    calibration,
    expected_calibration_error,
    fast_auc,
    headline_metrics,
    threshold_table,
    wilson_interval,
)
from classifier_report.settings import Settings, get_settings
from classifier_report.slices import DEFAULT_SLICES, add_derived_columns, slice_metrics


@dataclass
class ReportResult:
    """Paths and numbers of a written report."""

    markdown: Path
    numbers: dict = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


def _fmt(v: object) -> str:
    if isinstance(v, float | np.floating):
        return "–" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def md_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (floats with 3 decimals)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _overview_plot(df: pd.DataFrame, cal: pd.DataFrame, path: Path) -> None:
    y, s = df["y_true"].to_numpy(), df["prob_fake"].to_numpy()
    fig, ax = plt.subplots(1, 4, figsize=(18, 4))
    if 0 < y.sum() < len(y):
        fpr, tpr, _ = skm.roc_curve(y, s)
        ax[0].plot(fpr, tpr)
        prec, rec, _ = skm.precision_recall_curve(y, s)
        ax[1].plot(rec, prec)
    ax[0].plot([0, 1], [0, 1], "k:", lw=0.8)
    ax[0].set(title="ROC", xlabel="false positive rate", ylabel="true positive rate")
    ax[1].set(title="precision-recall (fake = positive)", xlabel="recall", ylabel="precision")
    c = cal[cal["count"] > 0]
    ax[2].plot([0, 1], [0, 1], "k:", lw=0.8)
    ax[2].plot(c["mean_prob"], c["frac_fake"], "o-")
    ax[2].set(title="calibration (reliability)", xlabel="mean predicted P(fake)", ylabel="fraction fake")
    groups = df["generator"].astype(str) if "generator" in df.columns else df["y_true"].map({0: "real", 1: "fake"})
    for g in sorted(groups.unique()):
        ax[3].hist(s[(groups == g).to_numpy()], bins=20, range=(0, 1), alpha=0.5, label=g, density=True)
    ax[3].set(title="score distribution per generator", xlabel="P(fake)")
    ax[3].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _slices_plot(sl: pd.DataFrame, path: Path) -> None:
    sl = sl.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(sl) + 1.2))
    labels = sl["slice"] + " = " + sl["value"] + " (n=" + sl["n"].astype(str) + ")"
    ypos = np.arange(len(sl))[::-1]
    ax.errorbar(sl["accuracy"], ypos, xerr=[np.maximum(0, sl["accuracy"] - sl["acc_ci_lo"]), np.maximum(0, sl["acc_ci_hi"] - sl["accuracy"])],
                fmt="o", capsize=3)  # fmt: skip
    ax.set_yticks(ypos, labels, fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("accuracy (95% Wilson interval)")
    ax.set_title("per-slice accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _checks_plot(shortcut: ShortcutResult | None, leak: LeakageResult | None, robust: pd.DataFrame | None, path: Path) -> bool:
    panels = [p for p in (shortcut, leak, robust) if p is not None]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4))
    axes = np.atleast_1d(axes)
    i = 0
    if shortcut is not None:
        top = shortcut.per_feature.head(8)[::-1]
        axes[i].barh(top["feature"], top["auc"])
        axes[i].axvline(0.5, color="k", lw=0.8, ls=":")
        axes[i].set(xlim=(0.4, 1.0), title=f"metadata-only shortcut: model AUC {shortcut.auc:.3f}", xlabel="single-feature AUC")
        i += 1
    if leak is not None:
        d = leak.per_image["nearest_train_distance"]
        axes[i].hist(d, bins=range(0, int(d.max()) + 2), color="tab:orange")
        axes[i].axvline(leak.summary["threshold"] + 0.5, color="k", ls="--")
        axes[i].set(title="pHash distance to nearest training image", xlabel="Hamming distance (64 bits)", ylabel="images")
        i += 1
    if robust is not None:
        axes[i].bar(robust["perturbation"], robust["auc"], color="tab:green", label="AUC")
        axes[i].plot(robust["perturbation"], robust["accuracy"], "ko-", label="accuracy")
        axes[i].set(ylim=(0, 1), title="robustness to perturbations")
        axes[i].tick_params(axis="x", rotation=45)
        axes[i].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True


def build_report(
    joined: pd.DataFrame,
    out_dir: str | Path,
    *,
    train_meta: pd.DataFrame | None = None,
    shortcut_meta: pd.DataFrame | None = None,
    robustness: pd.DataFrame | None = None,
    settings: Settings | None = None,
    title: str = "Classifier report",
    notes: str = "",
    slices=DEFAULT_SLICES,  # type: ignore[no-untyped-def]
    plots: bool = True,
) -> ReportResult:
    """Write ``report.md``, ``report.json`` and PNG plots to ``out_dir``.

    Parameters
    ----------
    joined
        Predictions joined to metadata (see :func:`classifier_report.predictions.join_metadata`).
    train_meta
        Metadata rows of the training set: enables the leakage and unseen-generator checks.
    shortcut_meta
        Metadata rows for the shortcut check (default: ``joined``; the whole dataset is better).
    robustness
        A table from :func:`classifier_report.robustness.robustness_table`.
    notes
        Extra Markdown put under the title (how the predictions were made).
    plots
        Draw the PNG figures (``overview.png``, ``slices.png``, ``checks.png``).

    Raises
    ------
    ReportInputError
        Empty predictions.
    """
    settings = settings or get_settings()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if joined.empty:
        raise ReportInputError("no predictions to report on")
    df = add_derived_columns(joined)
    y, s = df["y_true"].to_numpy(), df["prob_fake"].to_numpy()
    pred = df["pred"].to_numpy() if "pred" in df.columns else None
    head = headline_metrics(y, s, settings.threshold, pred)
    p = pred if pred is not None else (s >= settings.threshold).astype(int)
    both = 0 < y.sum() < len(y)
    acc_ci = wilson_interval(int((p == y).sum()), len(y))
    auc_ci = bootstrap_interval(y, s, fast_auc, settings.n_bootstrap, settings.seed) if both else (math.nan, math.nan)
    thr = threshold_table(y, s) if both else pd.DataFrame()
    cal = calibration(y, s, settings.ece_bins)
    ece = expected_calibration_error(y, s, settings.ece_bins)
    sl = slice_metrics(df, slices, threshold=settings.threshold, n_boot=settings.n_bootstrap, seed=settings.seed)
    base = base_rate_table(head["tpr"], head["fpr"]) if both else pd.DataFrame()
    findings: list[str] = []
    numbers: dict = {"headline": head, "accuracy_ci": acc_ci, "auc_ci": auc_ci, "ece": ece}

    # --- data checks
    shortcut = None
    sc_frame = shortcut_meta if shortcut_meta is not None else df
    try:
        shortcut = shortcut_check(sc_frame, seed=settings.seed)
        numbers["shortcut"] = {"auc": shortcut.auc, "accuracy": shortcut.accuracy,
                               "per_feature": shortcut.per_feature.to_dict("records")}  # fmt: skip
    except ReportInputError as exc:
        numbers["shortcut"] = {"skipped": str(exc)}
    matched: dict[str, Any] | None = None
    if "format" in df.columns:
        shared = [f for f, part in df.groupby("format") if part["y_true"].nunique() == 2]
        m = df["format"].isin(shared).to_numpy()
        if shared and m.sum() < len(df) and 0 < y[m].sum() < m.sum():
            matched = {"formats": shared, "n": int(m.sum()), "auc": float(skm.roc_auc_score(y[m], s[m])),
                       "accuracy": float((p[m] == y[m]).mean())}  # fmt: skip
            numbers["format_matched"] = matched
    leak = None
    unseen = None
    if train_meta is not None:
        if "phash" in df.columns and "phash" in train_meta.columns:
            leak = leakage_check(df, train_meta, threshold=settings.leak_threshold, correct=(p == y))
            numbers["leakage"] = leak.summary
        unseen = unseen_generator_check(df.assign(pred=p), train_meta, threshold=settings.threshold)
    elif "generator" in df.columns:
        unseen = unseen_generator_check(df.assign(pred=p), None, threshold=settings.threshold)
    if unseen is not None:
        numbers["per_generator"] = unseen.to_dict("records")
    seen_split: dict[str, Any] | None = None
    if train_meta is not None and "generator" in df.columns:
        seen_gens = set(train_meta["generator"].astype(str))
        m = df["generator"].astype(str).isin(seen_gens).to_numpy()
        if 0 < m.sum() < len(df) and 0 < y[m].sum() < m.sum():
            seen_split = {"generators_seen": sorted(seen_gens), "n_seen": int(m.sum()), "n_unseen": int((~m).sum()),
                          "accuracy_seen": float((p[m] == y[m]).mean()), "auc_seen": fast_auc(y[m], s[m]),
                          "accuracy_unseen_generators": float((p[~m] == y[~m]).mean())}  # fmt: skip
            numbers["seen_vs_unseen"] = seen_split
    if robustness is not None:
        numbers["robustness"] = robustness.to_dict("records")

    # --- findings, most important first
    if shortcut is not None and shortcut.auc >= 0.7:
        topf = shortcut.per_feature.iloc[0]
        findings.append(f"**Shortcut**: a model that sees only file metadata (format, size, JPEG quality...) predicts "
                        f"the label with cross-validated AUC {shortcut.auc:.3f} (best single feature `{topf['feature']}`, "
                        f"AUC {topf['auc']:.3f}). The image classifier may score the container, not the face.")  # fmt: skip
    if shortcut is not None and len(shortcut.pure_values):
        for r in shortcut.pure_values.itertuples():
            findings.append(f"**Perfect shortcut for a subset**: all {r.rows} images with `{r.column} = {r.value}` are "
                            f"{r.all_are} ({r.share_of_that_class:.1%} of the {r.all_are} images): the rule "
                            f"'{r.column} = {r.value} => {r.all_are}' is never wrong.")  # fmt: skip
    if matched is not None:
        findings.append(f"**Format-matched subset** ({', '.join(matched['formats'])} only, n={matched['n']}): AUC "
                        f"{matched['auc']:.3f}, accuracy {matched['accuracy']:.3f}, against {head['roc_auc']:.3f} / "
                        f"{head['accuracy']:.3f} overall.")  # fmt: skip
    if seen_split is not None:
        findings.append(f"**Validation as usually reported** (only generators seen in training: "
                        f"{', '.join(seen_split['generators_seen'])}; n={seen_split['n_seen']}): accuracy "
                        f"{seen_split['accuracy_seen']:.3f}, AUC {seen_split['auc_seen']:.3f}; on the "
                        f"{seen_split['n_unseen']} images of unseen generators: accuracy "
                        f"{seen_split['accuracy_unseen_generators']:.3f}.")  # fmt: skip
    if leak is not None:
        sm = leak.summary
        if sm["leaked"] > 0:
            findings.append(f"**Leakage**: {int(sm['leaked'])} of {int(sm['n_evaluated'])} evaluated images are within "
                            f"pHash distance {settings.leak_threshold} of a training image ({int(sm['exact'])} byte-identical); "
                            f"accuracy on them {_fmt(sm.get('accuracy_leaked', math.nan))} vs "
                            f"{_fmt(sm.get('accuracy_clean', math.nan))} on the rest.")  # fmt: skip
        else:
            findings.append(f"**Leakage**: no evaluated image is within pHash distance {settings.leak_threshold} of a "
                            f"training image (median nearest distance {leak.per_image['nearest_train_distance'].median():.0f}).")  # fmt: skip
    if unseen is not None and len(unseen):
        for r in unseen.itertuples():
            tag = "" if isinstance(r.seen_in_train, float) else (" (seen in training)" if r.seen_in_train else " (**not in training**)")
            findings.append(f"**Generator {r.generator}**{tag}: recall {r.recall:.3f} on {r.n} fakes.")
    if robustness is not None and len(robustness) > 1:
        base_auc = float(robustness.iloc[0]["auc"])
        worst = robustness.iloc[1:].sort_values("auc").iloc[0]
        findings.append(f"**Robustness**: AUC {base_auc:.3f} unperturbed; worst under `{worst['perturbation']}`: "
                        f"AUC {worst['auc']:.3f}, accuracy {worst['accuracy']:.3f}.")  # fmt: skip
    if not math.isnan(ece):
        findings.append(f"**Calibration**: ECE {ece:.3f} ({settings.ece_bins} equal-width bins).")
    if both and len(base):
        r1 = base[base["prevalence_fake"] == 0.01].iloc[0]
        findings.append(f"**Base rate**: validation has {head['prevalence_fake']:.1%} fakes; at 1% fakes the same "
                        f"TPR {head['tpr']:.3f} / FPR {head['fpr']:.3f} give precision {r1['precision_ppv']:.3f}.")  # fmt: skip

    # --- plots
    has_checks = False
    if plots:
        _overview_plot(df, cal, out / "overview.png")
        _slices_plot(sl, out / "slices.png")
        has_checks = _checks_plot(shortcut, leak, robustness, out / "checks.png")

    head_tbl = pd.DataFrame([
        {"metric": "accuracy", "value": head["accuracy"], "ci95": f"{acc_ci[0]:.3f}-{acc_ci[1]:.3f}"},
        {"metric": "balanced accuracy", "value": head["balanced_accuracy"], "ci95": ""},
        {"metric": "ROC AUC", "value": head["roc_auc"], "ci95": f"{auc_ci[0]:.3f}-{auc_ci[1]:.3f}"},
        {"metric": "average precision", "value": head["average_precision"], "ci95": ""},
        {"metric": "log loss", "value": head["log_loss"], "ci95": ""},
        {"metric": "Brier score", "value": head["brier"], "ci95": ""},
        {"metric": "ECE", "value": ece, "ci95": ""},
    ])  # fmt: skip
    cm = pd.DataFrame({"": ["true real", "true fake"], "predicted real": [int(head["tn"]), int(head["fn"])],
                       "predicted fake": [int(head["fp"]), int(head["tp"])]})  # fmt: skip
    parts = [f"# {title}", notes, "## Findings", "\n".join(f"- {f}" for f in findings),
             f"## Headline metrics (n = {int(head['n'])}, {head['prevalence_fake']:.1%} fake, threshold {settings.threshold})",
             md_table(head_tbl), "### Confusion matrix", md_table(cm), "![overview](overview.png)" if plots else ""]  # fmt: skip
    if len(thr):
        parts += ["## Threshold analysis", md_table(thr)]
    parts += ["## Calibration", md_table(cal[cal["count"] > 0])]
    if len(base):
        parts += ["## Class balance and base rate",
                  "Same TPR/FPR, other prevalences of fakes (precision falls with the base rate):", md_table(base)]  # fmt: skip
    parts += ["## Per-slice metrics (95% intervals: Wilson for accuracy, bootstrap for AUC)", md_table(sl), "![slices](slices.png)" if plots else ""]
    parts += ["## Data checks"]
    if shortcut is not None:
        parts += [f"### Shortcut: metadata-only model\nA depth-4 decision tree on {', '.join(f'`{c}`' for c in shortcut.per_feature['feature'])}, "
                  f"5-fold CV on {len(sc_frame)} rows: AUC **{shortcut.auc:.3f}**, accuracy {shortcut.accuracy:.3f}.",
                  md_table(shortcut.per_feature.head(10))]  # fmt: skip
        if len(shortcut.pure_values):
            parts += ["Metadata values that identify the label on their own:", md_table(shortcut.pure_values)]
    if leak is not None:
        parts += ["### Near-duplicate leakage (train vs evaluated)", md_table(pd.DataFrame([leak.summary]))]
    if unseen is not None and len(unseen):
        parts += ["### Per-generator recall (unseen-generator test)", md_table(unseen)]
    if robustness is not None:
        parts += ["### Robustness (evaluated images perturbed and re-scored)", md_table(robustness)]
    if has_checks:
        parts += ["![checks](checks.png)"]
    md = out / "report.md"
    md.write_text("\n\n".join(x for x in parts if x) + "\n")
    numbers["findings"] = findings
    (out / "report.json").write_text(json.dumps(numbers, indent=2, default=lambda o: o if not isinstance(o, np.generic) else o.item()))
    sl.to_csv(out / "slices.csv", index=False)
    return ReportResult(md, numbers, findings)
