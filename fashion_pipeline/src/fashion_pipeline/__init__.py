"""Product images into S3 + a database, queried over a REST API

Status: skeleton; the implementation arrives with issue #7.
"""

__version__ = "0.1.0"
