"""Batched torch (float64): many same-size images per call, on CPU here and on a GPU if present.

The same ordered operations as the exact numpy variant, written on ``(N, ...)`` tensors:
elementwise float64 multiplies and adds are correctly rounded IEEE operations on CPU and on
CUDA alike (separate kernels, so no multiply-add fusion), the window and DCT sums run over
their terms in the reference's order, and ``kthvalue(128)`` is Torben's median. So the bits
equal the baseline's on every device. ``torch.sum``/``matmul`` would be faster but reorder
the sums, which is why they are not used.

Trade-offs: per-call overhead is high (hundreds of small kernels), so it pays off only for
large batches; on a GPU the host-to-device copy of uint8 pixels (150 KB per 224x224 image)
and float64 throughput (1/2 to 1/64 of float32, by GPU) bound the speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import imagehash
import numpy as np
import torch
from imagecore.hashing.find import DCT_MATRIX, LUMA_COEFFS, sample_plan
from imagecore.torch.device import choose_device

from finhash.variants.base import Variant, group_by_shape


def _device(prefer: str | None) -> torch.device:
    device = choose_device(prefer)
    return torch.device("cpu") if device.type == "mps" else device  # MPS has no float64


@torch.no_grad()
def hash_bits_batch(pixels: torch.Tensor, dct: torch.Tensor) -> torch.Tensor:
    """FINd bits ``(N, 16, 16)`` of a uint8 batch ``(N, H, W, 3)`` or ``(N, H, W)``."""
    n, rows, cols = pixels.shape[0], pixels.shape[1], pixels.shape[2]
    row_index, col_index, counts, half_r, half_c = sample_plan(rows, cols)
    device = pixels.device
    x = pixels.to(torch.float64)
    padded = torch.zeros((n, rows + 2 * half_r, cols + 2 * half_c), dtype=torch.float64, device=device)
    inner = padded[:, half_r : half_r + rows, half_c : half_c + cols]
    if x.ndim == 4:
        inner.copy_(x[..., 0] * LUMA_COEFFS[0])
        inner.add_(x[..., 1] * LUMA_COEFFS[1])
        inner.add_(x[..., 2] * LUMA_COEFFS[2])
    else:
        inner.copy_(x * LUMA_COEFFS[0])
        inner.add_(x * LUMA_COEFFS[1])
        inner.add_(x * LUMA_COEFFS[2])
    ri = torch.as_tensor(row_index.T.ravel(), device=device)  # offset-major: (2hr * 64,)
    ci = torch.as_tensor(col_index.T.ravel(), device=device)  # (2hc * 64,)
    # index_select on a middle dimension is fast, on the last one slow: gather rows, transpose,
    # gather columns -> transposed slabs (N, 2hc, 64 cols, 2hr, 64 rows)
    by_rows = padded.index_select(1, ri)
    slabs = by_rows.transpose(1, 2).contiguous().index_select(1, ci).view(n, 2 * half_c, 64, 2 * half_r, 64)
    total = slabs[:, 0, :, 0, :].clone()
    for a in range(2 * half_r):
        for b in range(2 * half_c):
            if a or b:
                total.add_(slabs[:, b, :, a, :])
    total = total.transpose(1, 2)
    block = total / torch.from_numpy(counts.copy()).to(device)
    # tmp[n, i, j] = sum_k dct[i, k] * block[n, k, j], k ascending
    tmp = dct[None, :, 0, None] * block[:, None, 0, :]
    for k in range(1, 64):
        tmp.add_(dct[None, :, k, None] * block[:, None, k, :])
    # coeffs[n, i, j] = sum_k tmp[n, i, k] * dct[j, k]
    coeffs = tmp[:, :, 0, None] * dct[None, None, :, 0]
    for k in range(1, 64):
        coeffs.add_(tmp[:, :, k, None] * dct[None, None, :, k])
    median = torch.kthvalue(coeffs.reshape(n, 256), 128, dim=1).values
    bits = coeffs > median[:, None, None]
    return torch.flip(bits, dims=(1, 2))


class TorchVariant(Variant):
    """Batched float64 torch (CPU here; CUDA where available), bit-exact."""

    name = "torch"
    exact = True
    description = "torch float64, same-size images stacked into batches; runs on CUDA when present"

    def __init__(self, device: str | None = None, max_batch: int = 32, cpu_threads: int | None = 1) -> None:
        self.device = _device(device)
        if self.device.type == "cpu" and cpu_threads:
            # one intra-op thread: the variant is measured single-core and scales by processes;
            # torch's spinning worker threads collapse on a busy shared machine (10x slower here)
            torch.set_num_threads(cpu_threads)
        self.max_batch = max_batch
        self.dct = torch.as_tensor(DCT_MATRIX, device=self.device)

    def hash_arrays(self, arrays: Sequence[np.ndarray]) -> list[imagehash.ImageHash]:
        """Hash prepared arrays; same-shape arrays go to the device as one batch."""
        out: list[imagehash.ImageHash | None] = [None] * len(arrays)
        for _shape, idx in group_by_shape(arrays).items():
            for start in range(0, len(idx), self.max_batch):
                chunk = idx[start : start + self.max_batch]
                batch = torch.from_numpy(np.stack([arrays[i] for i in chunk])).to(self.device)
                bits = hash_bits_batch(batch, self.dct).cpu().numpy()
                for i, b in zip(chunk, bits, strict=True):
                    out[i] = imagehash.ImageHash(b)
        return out  # type: ignore[return-value]
