import numpy as np
import pandas as pd
import pytest
import torch
from imagecore.torch import ManifestDataset, choose_device, evaluate, fit, seed_everything, seeded_generator
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset


def test_seed_everything_reproduces():
    seed_everything(3)
    a = torch.rand(3), np.random.rand(2)  # noqa: NPY002 - testing the legacy state on purpose
    seed_everything(3)
    b = torch.rand(3), np.random.rand(2)  # noqa: NPY002
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert torch.equal(torch.rand(2, generator=seeded_generator(1)), torch.rand(2, generator=seeded_generator(1)))


def test_choose_device(monkeypatch):
    monkeypatch.delenv("IMAGECORE_DEVICE", raising=False)
    assert choose_device().type in {"cpu", "cuda", "mps"}
    assert choose_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            choose_device("cuda")


def _separable(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return TensorDataset(x, y)


def _accuracy(out, target):
    return float((out.argmax(1) == target).float().mean())


def test_fit_learns_checkpoints_and_resumes(tmp_path):
    seed_everything(0)
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    train = DataLoader(_separable(), batch_size=32, shuffle=True, generator=seeded_generator(0))
    val = DataLoader(_separable(128, seed=1), batch_size=64)
    ckpt = tmp_path / "ckpt.pt"
    result = fit(model, train, loss_fn=torch.nn.functional.cross_entropy, optimizer=opt, epochs=3,
                 val_loader=val, metric=_accuracy, checkpoint=ckpt, progress=False)
    assert len(result.history) == 3 and ckpt.exists() and (tmp_path / "ckpt.pt.best").exists()
    _, acc = evaluate(model, val, torch.nn.functional.cross_entropy, metric=_accuracy)
    assert acc > 0.9
    # resume continues after the last finished epoch
    model2 = torch.nn.Linear(2, 2)
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.5)
    result2 = fit(model2, train, loss_fn=torch.nn.functional.cross_entropy, optimizer=opt2, epochs=5,
                  val_loader=val, metric=_accuracy, checkpoint=ckpt, progress=False)
    assert [s.epoch for s in result2.history] == [0, 1, 2, 3, 4]


def test_fit_early_stopping_and_nan_loss():
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # no learning: no improvement
    data = DataLoader(_separable(64), batch_size=32)
    result = fit(model, data, loss_fn=torch.nn.functional.cross_entropy, optimizer=opt, epochs=10,
                 val_loader=data, patience=2, progress=False)
    assert result.stopped_early and len(result.history) == 3

    def nan_loss(out, target):
        return out.sum() * float("nan")

    with pytest.raises(FloatingPointError, match="loss became"):
        fit(model, data, loss_fn=nan_loss, optimizer=opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match="empty"):
        evaluate(model, [], torch.nn.functional.cross_entropy)


def test_manifest_dataset(tmp_path):
    for i, color in enumerate(["red", "blue"]):
        Image.new("RGB", (8, 6), color).save(tmp_path / f"{i}.png")
    manifest = pd.DataFrame({"path": ["0.png", "1.png"], "label": ["fake", "real"]})
    ds = ManifestDataset(manifest, tmp_path, label_map={"real": 0, "fake": 1})
    x, y = ds[0]
    assert x.shape == (3, 6, 8) and x.dtype == torch.float32 and y == 1
    assert float(x[0].max()) == 1.0
    gray = ManifestDataset(manifest, tmp_path, label_col=None, mode="L")
    assert gray[1][0].shape == (1, 6, 8) and gray[1][1] == -1
    flipped = ManifestDataset(manifest, tmp_path, label_map={"real": 0, "fake": 1}, transform=lambda a: a[:, ::-1])
    assert flipped[0][0].shape == (3, 6, 8)
    with pytest.raises(ValueError, match="without a mapping"):
        ManifestDataset(manifest, tmp_path, label_map={"real": 0})
    with pytest.raises(ValueError, match="no 'file' column"):
        ManifestDataset(manifest, tmp_path, path_col="file")
