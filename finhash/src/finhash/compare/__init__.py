"""Comparison of FINd with the imagehash methods and PDQ: hashing, accuracy metrics, cost.

Modules
-------
methods   the method registry ``name -> callable(PIL image) -> ImageHash`` (FINd, aHash, pHash, dHash, wHash, PDQ)
hashing   hash a labelled image set with every method, timing decode and hash separately
metrics   ROC/AUC over integer Hamming distances, TPR at fixed FPR, precision/recall/F1, bootstrap CIs
cost      per-image cost, peak memory, throughput with 1 and 2 processes, scaling, projections
demo      a small comparison on real data (``finhash demo`` calls :func:`finhash.compare.demo.run`)
"""
