"""Write a zip of face images with ground truth in ``real/`` and ``fake/`` folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
from PIL import Image


def export_zip(
    split_csv: str | Path, out: str | Path, splits: tuple[str, ...] = ("test",), jpeg_quality: int | None = None
) -> int:
    """Zip the images of ``splits`` from a training run's ``split.csv``.

    Parameters
    ----------
    split_csv
        ``split.csv`` written by training (columns path, filename, label_name, split).
    out
        Zip file to write.
    splits
        Which splits to include (``test``, ``unseen``, ...).
    jpeg_quality
        Re-encode every image as JPEG at this quality (e.g. 75 for the unseen-generator protocol).

    Returns
    -------
    int
        Number of images written.
    """
    df = pd.read_csv(split_csv)
    df = df[df["split"].isin(splits)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for row in df.itertuples():
            if jpeg_quality is None:
                zf.write(row.path, f"{row.label_name}/{row.filename}")
            else:
                buf = io.BytesIO()
                Image.open(row.path).convert("RGB").save(buf, format="JPEG", quality=jpeg_quality)
                zf.writestr(f"{row.label_name}/{Path(row.filename).stem}.jpg", buf.getvalue())
    return len(df)
