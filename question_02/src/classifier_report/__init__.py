"""Q2: a classifier analysis report

Status: skeleton; the implementation arrives with issue #9.
"""

__version__ = "0.1.0"
