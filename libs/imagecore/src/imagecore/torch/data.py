"""A torch Dataset over a pandas manifest of image paths."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from imagecore.io import Mode, open_image


class ManifestDataset(Dataset):
    """Rows of a manifest -> ``(image tensor, label)``.

    Parameters
    ----------
    manifest
        One row per sample, with a path column and optionally a label column.
    root
        Folder that relative paths are resolved against.
    path_col, label_col
        Column names; ``label_col=None`` yields ``-1`` labels.
    transform
        Called on the ``(H, W, C)`` uint8 numpy array; must return an array or tensor.
        Default: scale to float32 [0, 1] and move channels first.
    mode
        ``"RGB"`` or ``"L"``.
    label_map
        Maps label values to integers (e.g. ``{"real": 0, "fake": 1}``); default: values as ints.
    """

    def __init__(
        self,
        manifest: pd.DataFrame,
        root: str | os.PathLike[str] | None = None,
        *,
        path_col: str = "path",
        label_col: str | None = "label",
        transform: Callable[[np.ndarray], Any] | None = None,
        mode: Mode = "RGB",
        label_map: dict[Any, int] | None = None,
    ) -> None:
        if path_col not in manifest.columns:
            raise ValueError(f"manifest has no {path_col!r} column (columns: {list(manifest.columns)})")
        if label_col is not None and label_col not in manifest.columns:
            raise ValueError(f"manifest has no {label_col!r} column")
        self.paths = [Path(root) / p if root is not None else Path(p) for p in manifest[path_col]]
        if label_col is None:
            self.labels = [-1] * len(self.paths)
        elif label_map is not None:
            unknown = set(manifest[label_col]) - set(label_map)
            if unknown:
                raise ValueError(f"labels without a mapping: {sorted(map(str, unknown))}")
            self.labels = [label_map[v] for v in manifest[label_col]]
        else:
            self.labels = [int(v) for v in manifest[label_col]]
        self.transform = transform
        self.mode = mode

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        img = np.array(open_image(self.paths[index], mode=self.mode))
        if img.ndim == 2:
            img = img[:, :, None]
        if self.transform is not None:
            out = self.transform(img)
            tensor = out if isinstance(out, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(out))
            if tensor.ndim == 3 and tensor.shape[-1] in (1, 3) and tensor.shape[0] not in (1, 3):
                tensor = tensor.permute(2, 0, 1)
            if tensor.dtype == torch.uint8:
                tensor = tensor.float() / 255.0
        else:
            tensor = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
        return tensor.contiguous(), self.labels[index]
