"""Model files, batched scoring and temperature scaling for the face classifier.

Seeding and thread limits come from ``imagecore.torch``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .model import FaceNet

MODEL_FILE = "model.pt"


def save_model(path: str | Path, model: FaceNet, **extra: Any) -> Path:
    """Write weights + architecture config + extra fields (temperature, history...) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    torch.save({"state_dict": model.state_dict(), "config": model.config, **extra}, tmp)
    tmp.replace(path)
    return path


def resolve_model_path(path: str | Path) -> Path:
    """Accept a model file or the training output folder that holds ``model.pt``."""
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no model file (run `face-classifier train` first)")
    return path


def load_model(path: str | Path) -> tuple[FaceNet, dict[str, Any]]:
    """Load a model written by :func:`save_model`; returns (model in eval mode, checkpoint dict)."""
    ckpt = torch.load(resolve_model_path(path), map_location="cpu", weights_only=False)
    model = FaceNet(**ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt


@torch.inference_mode()
def predict_logits(
    model: torch.nn.Module, images: np.ndarray, batch_size: int = 32, progress: Any = None
) -> np.ndarray:
    """Score uint8 (N,H,W,3) images in batches; returns float64 logits (N,)."""
    from .data import to_tensor

    model.eval()
    out = []
    for start in range(0, len(images), batch_size):
        out.append(model(to_tensor(images[start : start + batch_size])).double().numpy())
        if progress is not None:
            progress.update(min(batch_size, len(images) - start))
    return np.concatenate(out) if out else np.zeros(0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature scaling (Guo et al. 2017): the T minimising validation NLL of sigmoid(logit/T)."""
    z = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(np.clip(log_t.exp().item(), 0.05, 20.0))
