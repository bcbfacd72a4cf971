"""Matching at scale: Hamming-radius and k-NN search over binary codes, and family clustering.

Modules
-------
hamming     three interchangeable indexes with one interface: a vectorised numpy popcount scan,
            FAISS ``IndexBinaryFlat`` (exhaustive) and FAISS ``IndexBinaryMultiHash`` (multi-index
            hashing; exact for range queries when ``nflip >= radius // nhash``)
cluster     all-pairs clustering at a Hamming radius (connected components) and scores against the
            true families (adjusted Rand index, purity, inverse purity)
synthetic   synthetic families of perturbed 256-bit codes for scale tests (index speed does not
            depend on the images)
"""
