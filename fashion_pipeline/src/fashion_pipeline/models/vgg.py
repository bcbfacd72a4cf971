"""VGG16 defined here with torchvision-compatible parameter names (torchvision cannot load on
the CPU torch of this project, and nothing is downloaded).

``VGG16().state_dict()`` has the same keys and shapes as ``torchvision.models.vgg16()``'s
(``features.0.weight`` ... ``features.28.bias``, ``classifier.0/3/6.*``), so a torchvision
checkpoint loads into it unchanged. ``width_mult`` shrinks every layer (for tests); a shrunk
model no longer matches torchvision shapes.
"""

from __future__ import annotations

import torch
from torch import nn

#: Channels of the 13 conv layers, "M" = 2x2 max pool (torchvision's configuration "D").
VGG16_CFG: tuple[int | str, ...] = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")

#: ``features[:CONV4_END]`` ends with relu4_3; ``features[CONV4_END:]`` is pool4, conv5_x, pool5.
CONV4_END = 23


def scaled(channels: int, width_mult: float) -> int:
    """Channels after applying ``width_mult`` (at least 1)."""
    return max(1, round(channels * width_mult))


def make_features(width_mult: float = 1.0, in_channels: int = 3) -> nn.Sequential:
    """The 31-module ``features`` stack of VGG16 (conv 3x3 + ReLU, max pools)."""
    layers: list[nn.Module] = []
    c_in = in_channels
    for v in VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            c_out = scaled(int(v), width_mult)
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            c_in = c_out
    return nn.Sequential(*layers)


class VGG16(nn.Module):
    """VGG16 (Simonyan & Zisserman) with torchvision's module layout.

    Parameters
    ----------
    num_classes
        Width of the last classifier layer (1000 for ImageNet weights).
    width_mult
        Multiplier of every conv and fully connected width (1.0 = the real VGG16).
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0) -> None:
        super().__init__()
        self.width_mult = width_mult
        self.features = make_features(width_mult)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        c5 = scaled(512, width_mult)
        fc = scaled(4096, width_mult)
        self.classifier = nn.Sequential(
            nn.Linear(c5 * 7 * 7, fc), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(fc, fc), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(fc, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)  # type: ignore[arg-type]
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))
