"""The documented schema of ``metadata.parquet`` (one row per image)."""

from __future__ import annotations

import pandas as pd

#: (column, pandas dtype, description). Columns from ``--extra-labels`` are appended as strings.
SCHEMA: list[tuple[str, str, str]] = [
    ("image_id", "string", "unique id: first 16 hex digits of the sha256 of the file bytes"),
    ("path", "string", "file path relative to the dataset folder, images/<label>/<filename>"),
    ("label", "string", "'real' or 'fake'"),
    ("generator", "string", "'none' for real; 'StyleGAN', 'StyleGAN2', 'StyleGAN3' or 'unknown' for fake"),
    ("source", "string", "where the image came from (data set / repository / URL host)"),
    ("licence", "string", "licence note of the source ('unknown' when not known)"),
    ("filename", "string", "original file name"),
    ("source_path", "string", "original path (as listed by the source)"),
    ("format", "string", "container format as decoded by Pillow: 'JPEG', 'PNG', ..."),
    ("mode", "string", "Pillow mode of the stored file: 'RGB', 'RGBA', 'L', 'P'"),
    ("width", "int64", "pixels"),
    ("height", "int64", "pixels"),
    ("resolution_bucket", "string", "shorter side class: '<128', '128', '<256', '256', ..., '>1024'"),
    ("file_size", "int64", "bytes"),
    ("jpeg_quality", "float64", "IJG quality estimated from the quantisation tables; NaN if not JPEG"),
    ("has_exif", "bool", "the file carries an EXIF block"),
    ("sha256", "string", "sha256 of the file bytes (hex)"),
    ("phash", "string", "64-bit DCT perceptual hash (imagehash.phash), 16 hex digits"),
    ("face_count", "int64", "faces found by `face_detector`"),
    ("face_x", "int64", "largest face box, left (-1 when no face)"),
    ("face_y", "int64", "largest face box, top (-1 when no face)"),
    ("face_w", "int64", "largest face box, width (-1 when no face)"),
    ("face_h", "int64", "largest face box, height (-1 when no face)"),
    ("face_area_ratio", "float64", "largest face box area / image area (0 when no face)"),
    ("face_detector", "string", "'haar' (OpenCV 4 frontal-face cascade) or 'skin' (YCrCb skin-region fallback when OpenCV has no cascade)"),
    ("seed", "Int64", "generator seed when known (StyleGAN3 files), else null"),
    ("psi", "float64", "truncation psi when known, else NaN"),
    ("generator_detail", "string", "generator description as given by the source"),
    ("origin_repo", "string", "repository the file was copied from (when given)"),
    ("origin_commit", "string", "commit of that repository"),
    ("origin_path", "string", "path inside that repository"),
]

REQUIRED = [name for name, _, _ in SCHEMA]


def apply_schema(df: pd.DataFrame) -> pd.DataFrame:
    """Order the columns as :data:`SCHEMA` (extra columns after) and cast the dtypes."""
    df = df.copy()
    for name, dtype, _ in SCHEMA:
        if name not in df.columns:
            df[name] = pd.NA if dtype in ("string", "Int64") else (float("nan") if dtype == "float64" else 0)
        if dtype == "bool":
            df[name] = df[name].astype(bool)
        else:
            df[name] = df[name].astype(dtype)
    extra = [c for c in df.columns if c not in REQUIRED]
    for c in extra:
        if df[c].dtype == object:
            df[c] = df[c].astype("string")
    return df[REQUIRED + extra]


def schema_markdown() -> str:
    """The schema as a Markdown table (for the README and the dataset card)."""
    lines = ["| column | dtype | meaning |", "|---|---|---|"]
    lines += [f"| `{n}` | {t} | {d} |" for n, t, d in SCHEMA]
    return "\n".join(lines)
