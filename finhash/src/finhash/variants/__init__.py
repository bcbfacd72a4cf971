"""FINd variants behind one interface: the baseline and the optimised implementations.

Every variant hashes an already-decoded PIL image (:meth:`Variant.hash_image`) and a list
of prepared uint8 pixel arrays (:meth:`Variant.hash_arrays`, at most 512 px, RGB or grey).
``exact`` variants perform the reference's floating-point operations in the reference's
order, so they are bit-exact with the baseline on every image, degenerate ones included.
"""

from __future__ import annotations

from finhash.variants.base import Variant, get_variant, variant_names

__all__ = ["Variant", "get_variant", "variant_names"]
