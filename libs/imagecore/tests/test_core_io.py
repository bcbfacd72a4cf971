import io

import numpy as np
import pytest
from imagecore.io import (
    ImageDecodeError,
    ImageTooLargeError,
    from_float_array,
    normalize_mode,
    open_image,
    save_image,
    to_float_array,
)
from PIL import Image


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_open_path_bytes_and_modes(tmp_path):
    src = Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4))
    path = save_image(src, tmp_path / "a.png")
    for source in (path, str(path), path.read_bytes(), io.BytesIO(path.read_bytes())):
        img = open_image(source, mode="RGB")
        assert img.mode == "RGB" and img.size == (4, 3)


def test_truncated_and_corrupt_name_the_file(tmp_path):
    data = _png(Image.new("RGB", (64, 64), "red"))
    bad = tmp_path / "trunc.png"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match=r"trunc\.png"):
        open_image(bad)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"definitely not an image")
    with pytest.raises(ImageDecodeError, match=r"junk\.jpg"):
        open_image(junk)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        open_image(tmp_path / "nope.png")


def test_decompression_bomb_checked_before_decode(tmp_path):
    path = save_image(Image.new("L", (300, 300)), tmp_path / "big.png")
    with pytest.raises(ImageTooLargeError, match="exceeds the limit"):
        open_image(path, max_pixels=10_000)
    assert open_image(path, max_pixels=None).size == (300, 300)


def test_exif_orientation_applied(tmp_path):
    img = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW for display
    path = tmp_path / "o.jpg"
    img.save(path, exif=exif)
    assert open_image(path).size == (20, 40)
    assert open_image(path, exif_transpose=False).size == (40, 20)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "CMYK", "I;16", "I", "F"])
def test_normalize_every_mode(mode):
    img = Image.new(mode, (5, 4))
    for target in ("RGB", "L"):
        out = normalize_mode(img, target)
        assert out.mode == target and out.size == (5, 4)


def test_sixteen_bit_is_rescaled_not_clipped():
    arr = np.full((2, 2), 65535, dtype=np.uint16)
    img = Image.fromarray(arr)
    assert img.mode.startswith("I;16")
    assert np.asarray(normalize_mode(img, "L")).max() == 255
    arr[:] = 32768
    assert np.asarray(normalize_mode(Image.fromarray(arr), "L")).max() == 128


def test_alpha_composited_on_background():
    img = Image.new("RGBA", (2, 2), (0, 0, 0, 0))
    assert normalize_mode(img, "RGB", background=(255, 255, 255)).getpixel((0, 0)) == (255, 255, 255)


def test_float_round_trip():
    arr = np.random.default_rng(0).random((7, 5, 3)).astype(np.float32)
    back = to_float_array(from_float_array(arr))
    assert back.dtype == np.float32 and np.abs(back - arr).max() <= 0.5 / 255 + 1e-6
    with pytest.raises(ValueError, match="NaN"):
        from_float_array(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="shape"):
        from_float_array(np.zeros((2, 2, 2)))


def test_saved_images_are_world_readable_per_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = save_image(Image.new("L", (2, 2)), tmp_path / "p.png")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
