"""The FINd perceptual hash

Status: skeleton; the implementation arrives with issue #4.
"""

__version__ = "0.1.0"
