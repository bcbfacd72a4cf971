"""Accuracy metrics over integer Hamming distances.

A pair of images is *predicted* a match when its Hamming distance ``d <= t``. Positives are all
within-family pairs, negatives a large random sample of between-family pairs. Because distances are
integers in ``0..bits``, every metric is computed exactly from two (weighted) histograms of
distances, which also makes the family bootstrap cheap (a resampled family set only changes the
weights).

Conventions
-----------
* ROC point for threshold ``t``: ``TPR(t) = P(d_pos <= t)``, ``FPR(t) = P(d_neg <= t)``, for
  ``t = -1 .. bits`` (``t = -1`` is the origin).
* AUC = ``P(d_pos < d_neg) + 0.5 P(d_pos == d_neg)``, the area under that step ROC with trapezoids.
* ``TPR at FPR <= a``: the largest TPR over thresholds whose FPR does not exceed ``a`` (no
  interpolation), with the threshold that achieves it.
* Precision is estimated at the *all-pairs* prior: the false positives of the negative sample are
  scaled to the number of between-family pairs in the whole set, so the precision is what an
  all-pairs matching run over this set would see, not the precision of the balanced sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Labels: a sequence or an array.
Labels = Sequence[object] | np.ndarray


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Hamming distance between packed uint8 codes ``a`` and ``b`` of equal shape.

    Examples
    --------
    >>> import numpy as np
    >>> hamming(np.array([[0b1111, 0]], np.uint8), np.array([[0, 1]], np.uint8)).tolist()
    [5]
    """
    x = np.bitwise_xor(np.asarray(a, np.uint8), np.asarray(b, np.uint8))
    return np.bitwise_count(x).sum(axis=-1, dtype=np.int64)


def within_family_pairs(families: Labels) -> np.ndarray:
    """All ``(i, j)``, ``i < j``, with ``families[i] == families[j]``, as an ``(m, 2)`` int array."""
    fam = np.asarray(families)
    _, inv = np.unique(fam, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    bounds = np.flatnonzero(np.diff(inv[order])) + 1
    chunks = []
    for grp in np.split(order, bounds):
        if len(grp) > 1:
            ii, jj = np.triu_indices(len(grp), k=1)
            chunks.append(np.stack([grp[ii], grp[jj]], axis=1))
    if not chunks:
        return np.zeros((0, 2), np.int64)
    out = np.concatenate(chunks).astype(np.int64)
    out.sort(axis=1)
    return out


def between_family_pairs(families: Labels, n: int, *, random_state: int = 0) -> np.ndarray:
    """A uniform random sample of ``n`` distinct-family pairs ``(i, j)`` (with replacement)."""
    fam = np.asarray(families)
    m = len(fam)
    if len(np.unique(fam)) < 2:
        raise ValueError("need at least two families for between-family pairs")
    rng = np.random.default_rng(random_state)
    out = np.zeros((0, 2), np.int64)
    while len(out) < n:
        k = max(2 * (n - len(out)), 16)
        i = rng.integers(0, m, k)
        j = rng.integers(0, m, k)
        keep = fam[i] != fam[j]
        out = np.concatenate([out, np.stack([i[keep], j[keep]], axis=1)])
    return out[:n]


def n_between_pairs(families: Labels) -> int:
    """Number of unordered between-family pairs in the whole set."""
    _, counts = np.unique(np.asarray(families), return_counts=True)
    total = int(counts.sum())
    return total * (total - 1) // 2 - int((counts * (counts - 1) // 2).sum())


@dataclass
class Curves:
    """Threshold curves for ``t = 0 .. bits``.

    Attributes
    ----------
    thresholds, tpr, fpr, precision, recall, f1
        Arrays of length ``bits + 1``; ``recall`` equals ``tpr``.
    """

    thresholds: np.ndarray
    tpr: np.ndarray
    fpr: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray


def _hist(d: np.ndarray, bits: int, w: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(np.asarray(d, np.int64), weights=w, minlength=bits + 1)[: bits + 1].astype(float)


def curves_from_hist(pos: np.ndarray, neg: np.ndarray, neg_scale: float = 1.0) -> Curves:
    """Threshold curves from distance histograms (``neg_scale`` multiplies negatives for precision)."""
    P, N = pos.sum(), neg.sum()
    if P <= 0 or N <= 0:
        raise ValueError("need at least one positive and one negative pair")
    cp, cn = np.cumsum(pos), np.cumsum(neg)
    tpr, fpr = cp / P, cn / N
    fp = cn * neg_scale
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(cp + fp > 0, cp / (cp + fp), 1.0)
        f1 = np.where(prec + tpr > 0, 2 * prec * tpr / (prec + tpr), 0.0)
    return Curves(np.arange(len(pos)), tpr, fpr, prec, tpr.copy(), f1)


def auc_from_hist(pos: np.ndarray, neg: np.ndarray) -> float:
    """AUC = P(d_pos < d_neg) + 0.5 P(d_pos == d_neg), from distance histograms."""
    P, N = pos.sum(), neg.sum()
    below = np.concatenate([[0.0], np.cumsum(pos)[:-1]])  # positives strictly closer than d
    return float((neg * (below + 0.5 * pos)).sum() / (P * N))


def tpr_at_fpr(c: Curves, max_fpr: float) -> tuple[float, int]:
    """Largest TPR over thresholds with FPR <= ``max_fpr``, and that threshold (-1 if none)."""
    ok = np.flatnonzero(c.fpr <= max_fpr + 1e-15)
    if len(ok) == 0:
        return 0.0, -1
    t = int(ok[-1])  # curves are monotone, so the last allowed threshold has the largest TPR
    return float(c.tpr[t]), t


def summarise(pos: np.ndarray, neg: np.ndarray, neg_scale: float, fprs: Sequence[float]) -> dict[str, float]:
    """Point metrics from histograms: AUC, TPR at each FPR (and its threshold), best F1 and its threshold."""
    c = curves_from_hist(pos, neg, neg_scale)
    out: dict[str, float] = {"auc": auc_from_hist(pos, neg)}
    for a in fprs:
        tpr, t = tpr_at_fpr(c, a)
        out[f"tpr@{a:g}"] = tpr
        out[f"thr@{a:g}"] = t
        out[f"precision@{a:g}"] = float(c.precision[t]) if t >= 0 else 1.0
        out[f"f1@{a:g}"] = float(c.f1[t]) if t >= 0 else 0.0
    b = int(np.argmax(c.f1))
    out.update(best_f1=float(c.f1[b]), best_thr=b, best_precision=float(c.precision[b]), best_recall=float(c.recall[b]))
    return out


@dataclass
class Evaluation:
    """Result of :func:`evaluate` for one method."""

    bits: int
    point: dict[str, float]
    ci: dict[str, tuple[float, float]]
    curves: Curves
    per_transform: dict[str, dict[str, float]]
    n_pos: int
    n_neg: int

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly dict (curves as lists)."""
        c = self.curves
        return {
            "bits": self.bits, "point": self.point, "ci": {k: list(v) for k, v in self.ci.items()},
            "per_transform": self.per_transform, "n_pos": self.n_pos, "n_neg": self.n_neg,
            "curves": {k: getattr(c, k).tolist() for k in ("thresholds", "tpr", "fpr", "precision", "f1")},
        }


def evaluate(
    codes: np.ndarray,
    families: Labels,
    *,
    bits: int | None = None,
    pos_pairs: np.ndarray | None = None,
    neg_pairs: np.ndarray | None = None,
    n_neg: int = 200_000,
    transforms: Sequence[str] | None = None,
    fixed_fpr: float = 0.01,
    fprs: Sequence[float] = (0.001, 0.01),
    n_boot: int = 200,
    random_state: int = 0,
) -> Evaluation:
    """Evaluate one method's codes against family labels, with family-bootstrap confidence intervals.

    Parameters
    ----------
    codes
        ``(n, bits // 8)`` packed uint8 codes.
    families
        ``(n,)`` family label of each image.
    bits
        Hash length; default ``8 * codes.shape[1]``.
    pos_pairs, neg_pairs
        Override the within-family pairs / the between-family sample (both ``(m, 2)`` index arrays).
    n_neg
        Size of the between-family sample when ``neg_pairs`` is not given.
    transforms
        Optional ``(n,)`` tag per image; images tagged ``"original"`` are the family bases. When given,
        recall of ``(original, variant)`` pairs is reported per variant tag at the threshold whose
        FPR is at most ``fixed_fpr``.
    fixed_fpr
        FPR that fixes the threshold for per-transform recall.
    fprs
        FPRs at which TPR is reported.
    n_boot
        Bootstrap replicates (families resampled with replacement); ``0`` disables CIs.
    random_state
        Seed for the negative sample and the bootstrap.

    Returns
    -------
    Evaluation
        Point metrics, 95% percentile CIs, curves and per-transform recall.
    """
    codes = np.asarray(codes, np.uint8)
    fam = np.asarray(families)
    if len(fam) != len(codes):
        raise ValueError(f"{len(codes)} codes but {len(fam)} family labels")
    bits = 8 * codes.shape[1] if bits is None else bits
    pos_pairs = within_family_pairs(fam) if pos_pairs is None else np.asarray(pos_pairs)
    neg_pairs = between_family_pairs(fam, n_neg, random_state=random_state) if neg_pairs is None else np.asarray(neg_pairs)
    if len(pos_pairs) == 0:
        raise ValueError("no within-family pairs: every family has a single image")
    dp = hamming(codes[pos_pairs[:, 0]], codes[pos_pairs[:, 1]])
    dn = hamming(codes[neg_pairs[:, 0]], codes[neg_pairs[:, 1]])
    neg_scale = n_between_pairs(fam) / len(neg_pairs)
    fprs = tuple(fprs) + ((fixed_fpr,) if fixed_fpr not in fprs else ())
    hp, hn = _hist(dp, bits), _hist(dn, bits)
    point = summarise(hp, hn, neg_scale, fprs)
    curves = curves_from_hist(hp, hn, neg_scale)

    # per-transform (original, variant) pairs
    tr_pairs: dict[str, np.ndarray] = {}
    if transforms is not None:
        tags = np.asarray(transforms)
        is_base = tags == "original"
        base_of = {f: i for i, f in zip(np.flatnonzero(is_base), fam[is_base], strict=True)}
        for t in sorted(set(tags[~is_base].tolist())):
            idx = [(base_of[f], i) for i, f in zip(np.flatnonzero(tags == t), fam[tags == t], strict=True) if f in base_of]
            if idx:
                tr_pairs[t] = np.asarray(idx, np.int64)
    tr_d = {t: hamming(codes[p[:, 0]], codes[p[:, 1]]) for t, p in tr_pairs.items()}
    thr = int(point[f"thr@{fixed_fpr:g}"])
    per_transform = {t: {"recall": float((d <= thr).mean()), "n": len(d), "threshold": thr} for t, d in tr_d.items()}

    ci: dict[str, tuple[float, float]] = {}
    if n_boot > 0:
        rng = np.random.default_rng(random_state + 1)
        ufam, inv = np.unique(fam, return_inverse=True)
        pf, nf0, nf1 = inv[pos_pairs[:, 0]], inv[neg_pairs[:, 0]], inv[neg_pairs[:, 1]]
        tr_f = {t: inv[p[:, 0]] for t, p in tr_pairs.items()}
        reps: dict[str, list[float]] = {}
        for _ in range(n_boot):
            w = np.bincount(rng.integers(0, len(ufam), len(ufam)), minlength=len(ufam)).astype(float)
            wp, wn = w[pf], w[nf0] * w[nf1]
            if wp.sum() == 0 or wn.sum() == 0:
                continue
            s = summarise(_hist(dp, bits, wp), _hist(dn, bits, wn), neg_scale, fprs)
            for k in ("auc", "best_f1", "best_precision", "best_recall", *(f"tpr@{a:g}" for a in fprs)):
                reps.setdefault(k, []).append(s[k])
            tb = int(s[f"thr@{fixed_fpr:g}"])
            for t, d in tr_d.items():
                wt = w[tr_f[t]]
                if wt.sum() > 0:
                    reps.setdefault(f"recall[{t}]", []).append(float((wt * (d <= tb)).sum() / wt.sum()))
        ci = {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in reps.items()}
        for t in per_transform:
            lo, hi = ci.get(f"recall[{t}]", (float("nan"), float("nan")))
            per_transform[t]["ci_low"], per_transform[t]["ci_high"] = lo, hi
    return Evaluation(bits, point, ci, curves, per_transform, len(dp), len(dn))
