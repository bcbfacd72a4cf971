"""Images of digit sequences from MNIST, for data augmentation.

>>> from mnist_sequences import generate_numbers_sequence
>>> img = generate_numbers_sequence([3, 5, 0], (2, 8), 120, rng=0)  # doctest: +SKIP

The richer object API, :class:`SequenceGenerator`, returns each image with its layout
(x offset, width and MNIST index of every digit), renders batches, and applies
:class:`Augmentation`. :func:`export_dataset` writes labelled datasets in bulk.
"""

from mnist_sequences.augment import Augmentation
from mnist_sequences.export import export_dataset
from mnist_sequences.generator import (
    Batch,
    BatchLayout,
    GeneratedSequence,
    SequenceGenerator,
    generate_batch,
    generate_numbers_sequence,
    get_generator,
)
from mnist_sequences.grid import save_grid
from mnist_sequences.layout import SequenceLayout
from mnist_sequences.settings import Settings
from mnist_sequences.source import DigitSource

__version__ = "0.1.0"

__all__ = [
    "Augmentation",
    "Batch",
    "BatchLayout",
    "DigitSource",
    "GeneratedSequence",
    "SequenceGenerator",
    "SequenceLayout",
    "Settings",
    "__version__",
    "export_dataset",
    "generate_batch",
    "generate_numbers_sequence",
    "get_generator",
    "save_grid",
]
