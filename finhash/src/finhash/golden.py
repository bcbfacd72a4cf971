"""The golden FINd data set: ``find_golden.csv`` + ``golden_images/``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from finhash.settings import get_settings


@dataclass(frozen=True)
class GoldenImage:
    """One row of ``find_golden.csv``."""

    path: Path
    width: int
    height: int
    mode: str
    reference: str  #: the original program's output (``ERROR:IndexError`` on portrait images)
    corrected: str  #: the algorithm with the two non-square defects fixed

    @property
    def name(self) -> str:
        """File name."""
        return self.path.name

    @property
    def square(self) -> bool:
        """Square images, where ``reference == corrected``."""
        return self.width == self.height


def load_golden(root: str | Path | None = None) -> list[GoldenImage]:
    """Read the golden file.

    Parameters
    ----------
    root
        Folder with ``find_golden.csv``; default from :class:`finhash.settings.Settings`.

    Raises
    ------
    imagecore.config.DataNotFoundError
        The folder is absent (the message says how to get it).
    """
    folder = Path(root) if root is not None else get_settings().golden()
    csv_path = folder / "find_golden.csv"
    if not csv_path.is_file():
        from imagecore.config import DataNotFoundError, missing_data_message

        raise DataNotFoundError(missing_data_message("finhash", folder))
    with open(csv_path, newline="") as fh:
        return [
            GoldenImage(
                path=folder / "golden_images" / row["file"],
                width=int(row["width"]),
                height=int(row["height"]),
                mode=row["mode"],
                reference=row["reference"],
                corrected=row["corrected"],
            )
            for row in csv.DictReader(fh)
        ]
