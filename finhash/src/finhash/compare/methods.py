"""The method registry: ``name -> callable(PIL image) -> imagehash.ImageHash``.

Every method takes an RGB :class:`PIL.Image.Image` and returns an :class:`imagehash.ImageHash`, so
``h1 - h2`` is the Hamming distance whatever the method. Names carry the hash size in bits:
``phash64`` is ``imagehash.phash(img, hash_size=8)``, ``phash256`` is ``hash_size=16``.

FINd comes from :func:`imagecore.hashing.find.find_hash` (``find256``: the production, bit-exact
vectorised numpy implementation) and from part 1's compiled variant ``finhash.variants`` "numba"
(``find256_numba``: bit-identical hashes, the fastest exact implementation). A method that cannot run
here (not implemented yet, dependency missing) is left out by :func:`available_methods`, which says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

HashFn = Callable[[Image.Image], imagehash.ImageHash]


@dataclass(frozen=True)
class Method:
    """One hashing method.

    Attributes
    ----------
    name
        Registry key, e.g. ``"phash256"``.
    family
        The algorithm (``"FINd"``, ``"pHash"``, ...), for grouping in tables.
    bits
        Length of the hash in bits.
    fn
        ``callable(PIL image) -> ImageHash``.
    """

    name: str
    family: str
    bits: int
    fn: HashFn


def _find(img: Image.Image) -> imagehash.ImageHash:
    from imagecore.hashing.find import find_hash

    return find_hash(img)


_NUMBA_VARIANT: list[object] = []


def _find_numba(img: Image.Image) -> imagehash.ImageHash:
    """FINd through part 1's compiled (numba) variant: bit-identical to :func:`_find`, faster."""
    if not _NUMBA_VARIANT:
        from finhash.variants import get_variant

        _NUMBA_VARIANT.append(get_variant("numba"))
    return _NUMBA_VARIANT[0].hash_image(img)  # type: ignore[attr-defined]


def _pdq(img: Image.Image) -> imagehash.ImageHash:
    import pdqhash

    arr = np.asarray(img.convert("RGB"))
    bits, _quality = pdqhash.compute(arr)
    return imagehash.ImageHash(np.asarray(bits, dtype=bool).reshape(16, 16))


def _imagehash(fn: Callable[..., imagehash.ImageHash], size: int) -> HashFn:
    def h(img: Image.Image) -> imagehash.ImageHash:
        return fn(img, hash_size=size)

    h.__name__ = f"{fn.__name__}_{size}"
    return h


def _build_registry() -> dict[str, Method]:
    reg: dict[str, Method] = {"find256": Method("find256", "FINd", 256, _find),
                              "find256_numba": Method("find256_numba", "FINd", 256, _find_numba)}
    for fam, fn in (("aHash", imagehash.average_hash), ("pHash", imagehash.phash),
                    ("dHash", imagehash.dhash), ("wHash", imagehash.whash)):
        for size in (8, 16):
            name = f"{fam[0].lower()}hash{size * size}"
            reg[name] = Method(name, fam, size * size, _imagehash(fn, size))
    reg["pdq256"] = Method("pdq256", "PDQ", 256, _pdq)
    return reg


#: All known methods, by name.
REGISTRY: dict[str, Method] = _build_registry()

#: The default comparison set: every method at 64 and 256 bits.
DEFAULT_METHODS: tuple[str, ...] = (
    "find256", "find256_numba", "phash64", "phash256", "dhash64", "dhash256",
    "ahash64", "ahash256", "whash64", "whash256", "pdq256",
)


def get_method(name: str) -> Method:
    """Return the registered method called ``name``.

    Raises
    ------
    KeyError
        Unknown name; the message lists the known ones.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown method {name!r}; known: {', '.join(REGISTRY)}") from None


def method_status(name: str) -> str | None:
    """Return ``None`` when ``name`` works here, else a one-line reason (e.g. FINd not implemented yet)."""
    m = get_method(name)
    probe = Image.new("RGB", (64, 48), (120, 30, 200))
    try:
        h = m.fn(probe)
    except NotImplementedError as exc:
        return f"{name}: not implemented ({exc})"
    except ImportError as exc:
        return f"{name}: dependency missing ({exc})"
    n = int(np.asarray(h.hash).size)
    if n != m.bits:
        return f"{name}: returned {n} bits, expected {m.bits}"
    return None


def available_methods(names: Iterable[str] = DEFAULT_METHODS) -> tuple[list[str], dict[str, str]]:
    """Split ``names`` into the methods that work here and the ones that do not.

    Returns
    -------
    (ok, skipped)
        ``ok`` keeps the order of ``names``; ``skipped`` maps name -> reason.
    """
    ok: list[str] = []
    skipped: dict[str, str] = {}
    for n in names:
        reason = method_status(n)
        if reason is None:
            ok.append(n)
        else:
            log.warning("skipping %s", reason)
            skipped[n] = reason
    return ok, skipped


def hash_to_bits(h: imagehash.ImageHash) -> np.ndarray:
    """Flatten an :class:`imagehash.ImageHash` to a 1-D bool array (row-major, as ``str(h)`` orders bits)."""
    return np.asarray(h.hash, dtype=bool).ravel()


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack an ``(n, nbits)`` bool array into ``(n, nbits // 8)`` uint8 codes (FAISS binary layout)."""
    bits = np.atleast_2d(np.asarray(bits, dtype=bool))
    if bits.shape[1] % 8:
        raise ValueError(f"number of bits must be a multiple of 8, got {bits.shape[1]}")
    return np.packbits(bits, axis=1)
