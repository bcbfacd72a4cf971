"""Images of digit sequences from MNIST

Status: skeleton; the implementation arrives with issue #3.
"""

__version__ = "0.1.0"
