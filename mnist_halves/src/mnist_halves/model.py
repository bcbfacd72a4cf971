"""The learned compatibility model.

Two towers (one for left halves, one for right halves) map a 28x14 half to

* an L2-normalised embedding: the cheap retrieval score is the dot product, computed
  for all N x N pairs in chunks to pick each half's top-k candidates;
* a small feature map of the three columns next to the cut, plus the raw pixels there.

A pair head then looks at the *rejoined* strip around the cut (left columns 11-13 next
to right columns 14-16, tower features and pixels side by side) and at both global
features, and returns a compatibility logit. It is run only on candidate pairs, which is
what makes the cost linear in N. A tiny side classifier (left half or right half?) serves
the pooled-sides variant. An optional third stage (:class:`~mnist_halves.joint.JointNet`)
re-scores each half's best few candidates on the whole rejoined digit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mnist_halves.joint import JointEnsemble, JointNet

#: Number of columns on each side of the cut the pair head sees.
STRIP = 3


@dataclass
class ModelConfig:
    """Sizes of the network (kept small: the shipped model must stay well under 5 MB)."""

    c1: int = 16
    c2: int = 32
    c3: int = 64
    emb_dim: int = 64
    glob_dim: int = 64
    proj: int = 8
    head_hidden: int = 256
    #: third stage (:mod:`mnist_halves.joint`): CNN width (0 = none), pairs re-scored per half
    #: and direction, and the weight of its logit next to the pair head's
    joint_width: int = 0
    joint_seam: int = 0
    joint_members: int = 1
    joint_top_m: int = 4
    joint_weight: float = 1.0
    #: weight of the grey-level palette prior (:mod:`mnist_halves.palette`); 0 = off
    palette_weight: float = 0.0


class Tower(nn.Module):
    """CNN for one side. ``cut_right`` is True for left halves (the cut is their right edge)."""

    def __init__(self, cfg: ModelConfig, cut_right: bool) -> None:
        super().__init__()
        self.cut_right = cut_right
        self.conv1 = nn.Sequential(nn.Conv2d(1, cfg.c1, 3, padding=1), nn.BatchNorm2d(cfg.c1), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(cfg.c1, cfg.c2, 3, padding=1), nn.BatchNorm2d(cfg.c2), nn.ReLU())
        self.conv3 = nn.Sequential(nn.Conv2d(cfg.c2, cfg.c3, 3, padding=1), nn.BatchNorm2d(cfg.c3), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(cfg.c3 * 7 * 3, 128), nn.ReLU())
        self.emb = nn.Linear(128, cfg.emb_dim)
        self.glob = nn.Linear(128, cfg.glob_dim)
        self.proj = nn.Conv2d(cfg.c1, cfg.proj, 1)
        strip_dim = (cfg.proj + 1) * 28 * STRIP
        # this side's share of the pair head's first layer (a linear layer on the
        # concatenated pair input is the sum of one term per side)
        self.pair_in = nn.Linear(strip_dim + cfg.glob_dim, cfg.head_hidden)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``x``: (B,1,28,14) float in [0,1].

        Returns (embedding (B,E) unit norm, global feature (B,G), pair-head input share (B,H)).
        """
        h1 = self.conv1(x)  # full resolution: feeds the strip next to the cut
        h = self.conv2(F.max_pool2d(h1, 2))  # 14x7
        h = self.conv3(F.max_pool2d(h, 2))  # 7x3
        h = self.fc(h.flatten(1))
        emb = F.normalize(self.emb(h), dim=1)
        glob = self.glob(h)
        cols = slice(14 - STRIP, 14) if self.cut_right else slice(0, STRIP)
        strip = torch.cat([self.proj(h1[:, :, :, cols]), x[:, :, :, cols]], dim=1).flatten(1)
        share = self.pair_in(torch.cat([strip, glob], dim=1))
        return emb, glob, share


class PairHead(nn.Module):
    """MLP on the rejoined strip around the cut plus both global features.

    Its first layer is split across the towers (``Tower.pair_in``), so a pair costs only
    an add, the product term and two small layers: cheap enough for ~100 candidates per half.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.prod = nn.Linear(cfg.glob_dim, cfg.head_hidden, bias=False)
        self.sim = nn.Parameter(torch.zeros(cfg.head_hidden))
        self.mlp = nn.Sequential(nn.ReLU(), nn.Linear(cfg.head_hidden, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(
        self,
        share_l: torch.Tensor,
        share_r: torch.Tensor,
        glob_l: torch.Tensor,
        glob_r: torch.Tensor,
        sim: torch.Tensor,
    ) -> torch.Tensor:
        """Logit for each pair (inputs already gathered pairwise; first dim = number of pairs)."""
        h = share_l + share_r + self.prod(glob_l * glob_r) + sim[:, None] * self.sim
        return self.mlp(h).squeeze(1)


class SideNet(nn.Module):
    """Tiny classifier: logit > 0 means "this is a left half"."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 3, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class HalvesNet(nn.Module):
    """The whole compatibility model: left tower, right tower, pair head, side classifier."""

    def __init__(self, cfg: ModelConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg or ModelConfig()
        self.left = Tower(self.cfg, cut_right=True)
        self.right = Tower(self.cfg, cut_right=False)
        self.head = PairHead(self.cfg)
        self.side = SideNet()
        self.joint: JointNet | JointEnsemble | None = None
        if self.cfg.joint_width > 0:
            nets = [JointNet(self.cfg.joint_width, self.cfg.joint_seam) for _ in range(self.cfg.joint_members)]
            self.joint = nets[0] if len(nets) == 1 else JointEnsemble(nets)
        self.log_temp = nn.Parameter(torch.tensor(2.5))  # InfoNCE inverse temperature (log)
        self.card: dict[str, Any] = {}


def to_input(halves: Any) -> torch.Tensor:
    """uint8 (B,28,14) array -> float tensor (B,1,28,14) in [0,1]."""
    t = torch.as_tensor(halves)
    return t.float().div_(255.0).unsqueeze(1)


def save_model(model: HalvesNet, path: str | Path, card: dict[str, Any] | None = None) -> Path:
    """Save weights + config (and a JSON card beside it when given)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    torch.save({"config": asdict(model.cfg), "state": model.state_dict(), "card": card or {}}, tmp)
    tmp.replace(path)
    if card is not None:
        path.with_suffix(".json").write_text(json.dumps(card, indent=2, sort_keys=True))
    return path


def load_model(path: str | Path) -> HalvesNet:
    """Load a model saved by :func:`save_model` (in eval mode, on CPU)."""
    blob = torch.load(Path(path), map_location="cpu", weights_only=True)
    model = HalvesNet(ModelConfig(**blob["config"]))
    model.load_state_dict(blob["state"])
    model.card = blob.get("card", {})  # training record, extended by later training stages
    model.eval()
    return model
