"""FINd, the 256-bit perceptual hash (production implementation arrives with finhash part 1)."""

from __future__ import annotations


def find_hash(image):  # type: ignore[no-untyped-def]
    """Not implemented yet (finhash part 1)."""
    raise NotImplementedError("FINd arrives with finhash part 1")
