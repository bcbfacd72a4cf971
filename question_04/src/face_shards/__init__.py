"""Q4: face datasets at scale: WebDataset tar shards on S3 with a parquet manifest, query-based
re-sampling into indexes, and a streaming shard loader (``face-shards``)."""

__version__ = "0.1.0"
