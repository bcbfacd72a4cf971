"""Restore MNIST test digits cut vertically in half and shuffled

Status: skeleton; the implementation arrives with issue #5.
"""

__version__ = "0.1.0"
