"""The dataset card (CARD.md) and its plots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from face_dataset.schema import schema_markdown
from face_dataset.settings import Settings


def _table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def write_plots(df: pd.DataFrame, folder: Path) -> list[Path]:
    """Counts per label/generator, file-size and face-area histograms per label; PNGs in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    counts = df.groupby(["label", "generator"]).size().unstack(fill_value=0)
    counts.plot.bar(stacked=True, ax=axes[0], rot=0)
    axes[0].set_title("images per label and generator")
    axes[0].set_ylabel("images")
    for (label, gen, fmt), part in df.groupby(["label", "generator", "format"]):
        axes[1].hist(part["file_size"] / 1024, bins=40, alpha=0.55, label=f"{label}/{gen}/{fmt}")
        axes[2].hist(part["face_area_ratio"], bins=30, range=(0, 1), alpha=0.55, label=f"{label}/{gen}")
    axes[1].set_title("file size (KiB) per label/generator/format")
    axes[1].set_xlabel("KiB")
    axes[1].legend(fontsize=8)
    axes[2].set_title("largest-face area / image area (0 = no face found)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    paths.append(folder / "overview.png")
    fig.savefig(paths[-1], dpi=80)
    plt.close(fig)
    return paths


def write_card(
    out: Path, df: pd.DataFrame, rejected: pd.DataFrame, dups: pd.DataFrame, *, settings: Settings, plots: bool = True
) -> Path:
    """Write ``out/CARD.md``: counts, formats, quality, faces, de-dup, schema, licences, ethics."""
    figure = f"![overview]({write_plots(df, out / 'plots')[0].relative_to(out).as_posix()})" if plots else ""
    by_cell = df.groupby(["label", "generator", "format", "resolution_bucket"]).size().reset_index(name="images")
    quality = df.groupby(["label", "generator", "format"]).agg(
        images=("image_id", "size"),
        mean_kib=("file_size", lambda s: round(s.mean() / 1024, 1)),
        jpeg_quality=("jpeg_quality", lambda s: ", ".join(f"{q:g}" for q in sorted(s.dropna().unique())) or "n/a"),
        with_exif=("has_exif", "sum"),
        face_found=("face_count", lambda s: f"{(s > 0).mean():.1%}"),
        median_face_area=("face_area_ratio", lambda s: round(float(s.median()), 3)),
    ).reset_index()
    licences = df.groupby(["source", "licence"]).size().reset_index(name="images")
    text = f"""# Dataset card — real vs fake faces

Built {dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")} by `face-dataset build`.
{len(df)} images kept; {len(rejected)} rejected by validation; {len(dups)} removed as duplicates
(exact sha256, or pHash Hamming distance <= {settings.near_dup_threshold} of 64 bits;
{int(dups["cross_label"].sum()) if len(dups) else 0} of them across labels).

## Counts per cell (label x generator x format x resolution)

{_table(by_cell)}

## Encoding and faces

{_table(quality)}

Note: when one class is stored in a different container or encoder setting than the other,
a classifier can learn the encoding instead of the face. Check this table before training.

{figure}

## Sources and licences

{_table(licences)}

Images are redistributed here for research on detecting generated faces only. Real faces are
photos of people (FFHQ, Flickr): they may be identifiable; respect the upstream licences, do
not use the set to identify or profile anyone, and remove an image on request.

## Files

- `images/<label>/<filename>`: the images, bytes unchanged from the source
- `metadata.parquet` (pandas/pyarrow) and `metadata.csv`: one row per image, schema below
- `rejected.csv`: files refused by validation, with the reason
- `duplicates.csv`: removed duplicates and the image each duplicates
- `checksums.sha256`: sha256 of every file (`sha256sum -c` compatible)

## Schema of metadata.parquet

{schema_markdown()}
"""
    path = out / "CARD.md"
    path.write_text(text)
    return path
