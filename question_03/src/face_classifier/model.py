"""A compact fully-convolutional CNN with a fixed high-pass (noise-residual) stem.

Generators leave traces mostly in the high frequencies, which a small network trained from
scratch on little data struggles to isolate from image content. The stem therefore feeds the
network, next to the (normalised) RGB, three fixed SRM-style residual filters per colour channel.
Global average pooling makes the network resolution-agnostic: it trains on crops and scores
whole images, which pools the evidence of every patch.
"""

from __future__ import annotations

import torch
from torch import nn

_SRM = torch.tensor(
    [
        [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 1, -2, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
        [[0, 0, 0, 0, 0], [0, -1, 2, -1, 0], [0, 2, -4, 2, 0], [0, -1, 2, -1, 0], [0, 0, 0, 0, 0]],
        [[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]],
    ],
    dtype=torch.float32,
) / torch.tensor([2.0, 4.0, 12.0]).view(3, 1, 1)


class HighPass(nn.Module):
    """Fixed depthwise residual filters: (B,3,H,W) -> (B,9,H,W)."""

    weight: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        weight = _SRM.unsqueeze(1).repeat(3, 1, 1, 1)  # (9,1,5,5): 3 filters per colour channel
        self.register_buffer("weight", weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv2d(x, self.weight, padding=2, groups=3) * 4.0


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FaceNet(nn.Module):
    """Small real-vs-fake CNN; outputs one logit per image (positive = fake).

    Parameters
    ----------
    width
        Channels of the first block; later blocks use 2x, 4x, 8x.
    highpass
        Add the fixed noise-residual stem next to RGB.
    input_size
        When set, every input is first resized (area) to this side: the network then sees the
        whole face at low resolution (global cues) instead of native-resolution patches.
    """

    def __init__(self, width: int = 16, highpass: bool = True, input_size: int | None = None) -> None:
        super().__init__()
        self.config = {"width": width, "highpass": highpass, "input_size": input_size}
        self.input_size = input_size
        self.highpass = HighPass() if highpass else None
        cin = 12 if highpass else 3
        w = width
        self.features = nn.Sequential(
            _block(cin, w, 2),  # the residual stem already ran at full resolution
            _block(w, 2 * w, 1),
            _block(2 * w, 2 * w, 2),
            _block(2 * w, 4 * w, 1),
            _block(4 * w, 4 * w, 2),
            _block(4 * w, 8 * w, 1),
            _block(8 * w, 8 * w, 2),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(16 * w, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float (B,3,H,W) in [0,1]; returns logits (B,)."""
        if self.input_size is not None and max(x.shape[-2:]) > self.input_size:
            x = nn.functional.interpolate(x, size=(self.input_size, self.input_size), mode="area")
        z = (x - 0.5) / 0.25
        if self.highpass is not None:
            z = torch.cat([z, self.highpass(x) * 10.0], dim=1)
        f = self.features(z)
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1)
        return self.head(pooled).squeeze(1)
