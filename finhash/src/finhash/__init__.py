"""finhash: the FINd perceptual hash — baseline, optimised variants, profiling, benchmarks.

The production hash is :func:`imagecore.hashing.find_hash` (bit-exact vectorised numpy);
this package holds the assignment around it: the pure-Python baseline
(:mod:`finhash.baseline`), the optimised variants (:mod:`finhash.variants`), process-parallel
batch hashing (:mod:`finhash.parallel`), profiling (:mod:`finhash.profiling`), benchmarks
(:mod:`finhash.bench`) and the ``finhash`` CLI. Part 2 (comparison with imagehash, matching
index, report) lives in ``compare``, ``index``, ``memeset`` and ``report``.
"""

__version__ = "0.1.0"
