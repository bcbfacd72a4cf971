"""Q3: a deep real-vs-fake face classifier

Status: skeleton; the implementation arrives with issue #10.
"""

__version__ = "0.1.0"
