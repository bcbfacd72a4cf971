"""Synthetic families of 256-bit codes for scale tests and index benchmarks."""

from __future__ import annotations

import numpy as np


def synthetic_codes(
    n_families: int = 1034,
    mean_family_size: float = 54.0,
    *,
    bits: int = 256,
    flip_p: float = 0.04,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Random family centres plus members with each bit flipped independently with ``flip_p``.

    Family sizes are ``1 + Poisson(mean_family_size - 1)``. With the defaults, members are about
    ``bits * flip_p ~ 10`` bits from their centre (about 20 from each other) and unrelated codes about
    ``bits / 2 = 128`` apart; 1,034 families of ~54 mimic the meme-generator set (~56k codes).

    Returns
    -------
    (codes, families)
        ``(n, bits // 8)`` packed uint8 codes and ``(n,)`` family ids, shuffled together.
    """
    rng = np.random.default_rng(random_state)
    sizes = 1 + rng.poisson(max(mean_family_size - 1, 0), n_families)
    fam = np.repeat(np.arange(n_families), sizes)
    centres = rng.random((n_families, bits)) < 0.5
    flips = rng.random((len(fam), bits)) < flip_p
    codes = np.packbits(centres[fam] ^ flips, axis=1)
    order = rng.permutation(len(fam))
    return codes[order], fam[order]
