"""Q4: scaling face datasets to millions of images

Status: skeleton; the implementation arrives with issue #10.
"""

__version__ = "0.1.0"
