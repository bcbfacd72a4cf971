"""Q1: a real-vs-fake face dataset builder

Status: skeleton; the implementation arrives with issue #9.
"""

__version__ = "0.1.0"
