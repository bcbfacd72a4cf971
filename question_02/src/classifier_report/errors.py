"""Exceptions of the classifier report."""

from __future__ import annotations


class ReportInputError(Exception):
    """Bad input (missing columns, unmatched files, one class only...): reported as one line by the CLI."""
