"""imagecore: the shared core of the monorepo.

Only what two or more systems need lives here:

- :mod:`imagecore.config`  -- where data lives (``IMAGECORE_DATA_DIR``) and cache folders
- :mod:`imagecore.io`      -- safe image decoding, mode normalisation, array conversion, saving
- :mod:`imagecore.idx`     -- IDX file reader and writer (the MNIST container format)
- :mod:`imagecore.mnist`   -- MNIST loader: locate, verify (md5), download
- :mod:`imagecore.storage` -- one object-store interface, local-directory and S3 backends
- :mod:`imagecore.hashing` -- perceptual hashes (FINd, imagehash adapters) and Hamming tools
- :mod:`imagecore.torch`   -- device choice, seeding, a fit/evaluate loop, manifest datasets

``imagecore`` never imports a system package.
"""

from __future__ import annotations

import os

# albumentations (used by several systems) checks PyPI for updates on every import
# unless told not to. Nothing in this monorepo wants that network call.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

__version__ = "0.1.0"
