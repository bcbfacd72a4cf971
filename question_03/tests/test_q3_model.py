import torch
from face_classifier.model import FaceNet, HighPass


def test_fully_convolutional_any_size() -> None:
    m = FaceNet(width=4).eval()
    with torch.no_grad():
        assert m(torch.rand(3, 3, 64, 64)).shape == (3,)
        assert m(torch.rand(2, 3, 256, 256)).shape == (2,)


def test_whole_face_mode_resizes_inputs() -> None:
    m = FaceNet(width=4, input_size=32).eval()
    x = torch.rand(1, 3, 128, 128)
    small = torch.nn.functional.interpolate(x, size=(32, 32), mode="area")
    with torch.no_grad():
        assert torch.allclose(m(x), m(small), atol=1e-5)


def test_highpass_ignores_flat_regions() -> None:
    hp = HighPass()
    flat = torch.full((1, 3, 16, 16), 0.7)
    out = hp(flat)[..., 2:-2, 2:-2]  # away from the zero padding
    assert out.shape[1] == 9 and out.abs().max() < 1e-5
    noisy = hp(torch.rand(1, 3, 16, 16))
    assert noisy.abs().mean() > 0.1
