"""Restore MNIST test digits cut vertically in half and shuffled.

Public API::

    from mnist_halves import make_puzzle, restore, load_model, score_pairs
"""

from mnist_halves.evaluate import score_pairs
from mnist_halves.model import load_model
from mnist_halves.puzzle import PuzzleError, make_puzzle
from mnist_halves.restore import restore

__all__ = ["PuzzleError", "load_model", "make_puzzle", "restore", "score_pairs"]
__version__ = "0.1.0"
