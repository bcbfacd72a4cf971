"""Face detection with what ships in the installed packages (nothing is downloaded).

OpenCV 4.x (pinned here: 4.12) ships Haar cascades (``cv2.data.haarcascades``) and
``cv2.CascadeClassifier``; OpenCV 5.0 dropped both, and its DNN face detector
(``FaceDetectorYN``) needs a model file that would have to be downloaded. So:

- ``haar``: OpenCV's frontal-face Haar cascade (scale step 1.1, 5 neighbours, faces at
  least 15% of the shorter side), used whenever the installed OpenCV has it;
- ``skin``: the fallback, a skin-colour region finder: pixels inside the classic YCrCb
  skin box (Cr 133-173, Cb 77-127), morphological opening, then the connected component
  that covers most of the central third of the image; its box is the 5th-95th percentile
  of its pixel coordinates (robust to thin bleeding into neck or background). It finds at
  most one "face" and is a crude proxy for face size and position in centred portraits,
  not a detector: skin-coloured backgrounds inflate the box, and unusual light hides it.

``detect_faces`` reports which one ran; the dataset stores it in ``face_detector``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

CASCADE = "haarcascade_frontalface_default.xml"


@dataclass(frozen=True)
class FaceResult:
    """Faces found in one image; the box is the largest face (x, y, w, h) in pixels."""

    count: int
    box: tuple[int, int, int, int] | None
    area_ratio: float
    detector: str


@lru_cache(maxsize=1)
def _cascade():  # type: ignore[no-untyped-def]
    import cv2

    cv2.setNumThreads(1)
    if not hasattr(cv2, "CascadeClassifier"):
        return None
    path = Path(getattr(getattr(cv2, "data", None), "haarcascades", "")) / CASCADE
    if not path.is_file():
        return None
    clf = cv2.CascadeClassifier(str(path))
    return None if clf.empty() else clf


def available_detector() -> str:
    """``"haar"`` when OpenCV's cascade is installed, else ``"skin"``."""
    return "haar" if _cascade() is not None else "skin"


def _haar(gray: np.ndarray, side: int) -> list[tuple[int, int, int, int]]:
    import cv2

    found = _cascade().detectMultiScale(cv2.equalizeHist(gray), scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    return [tuple(int(v) for v in f) for f in found]  # type: ignore[misc]


def _skin(rgb: np.ndarray, side: int) -> list[tuple[int, int, int, int]]:
    import cv2

    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    mask = cv2.inRange(ycrcb, np.array([0, 133, 77], np.uint8), np.array([255, 173, 127], np.uint8))
    k = max(3, side // 4) | 1
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    _, labels, _, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    centre = labels[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3]
    ids, counts = np.unique(centre[centre > 0], return_counts=True)
    if len(ids) == 0:
        return []
    ys, xs = np.nonzero(labels == ids[counts.argmax()])
    y0, y1 = np.percentile(ys, [5, 95])
    x0, x1 = np.percentile(xs, [5, 95])
    bw, bh = int(x1 - x0) + 1, int(y1 - y0) + 1
    if bw < side or bh < side:
        return []
    return [(int(x0), int(y0), bw, bh)]


def detect_faces(img: Image.Image, *, min_face_fraction: float = 0.15, method: str | None = None) -> FaceResult:
    """Detect faces.

    Parameters
    ----------
    img
        Any PIL image.
    min_face_fraction
        Smallest face side as a fraction of the shorter image side.
    method
        ``"haar"``, ``"skin"`` or ``None`` for :func:`available_detector`.

    Returns
    -------
    FaceResult
        Number of faces, the largest box, its area divided by the image area (``0.0`` with
        ``box=None`` when no face is found) and the detector used.

    Raises
    ------
    ValueError
        ``method="haar"`` when the installed OpenCV has no Haar cascade, or an unknown method.
    """
    method = method or available_detector()
    rgb = np.ascontiguousarray(np.asarray(img.convert("RGB")))
    h, w = rgb.shape[:2]
    side = max(8, int(min(h, w) * min_face_fraction))
    if method == "haar":
        if _cascade() is None:
            raise ValueError("the installed OpenCV has no Haar cascade (OpenCV >= 5); use method='skin'")
        import cv2

        boxes = _haar(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), side)
    elif method == "skin":
        boxes = _skin(rgb, side)
    else:
        raise ValueError(f"unknown face detector {method!r}")
    if not boxes:
        return FaceResult(0, None, 0.0, method)
    x, y, bw, bh = max(boxes, key=lambda b: b[2] * b[3])
    return FaceResult(len(boxes), (x, y, bw, bh), round(bw * bh / float(w * h), 4), method)
