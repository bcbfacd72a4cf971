"""Label names of the DeepFashion Category and Attribute Prediction benchmark used by FashionNet."""

from __future__ import annotations

from pathlib import Path

#: The 50 clothing categories of DeepFashion (Liu et al., CVPR 2016), in benchmark order (1..50).
DEEPFASHION_CATEGORIES: tuple[str, ...] = (
    # upper-body (1-20)
    "Anorak", "Blazer", "Blouse", "Bomber", "Button-Down", "Cardigan", "Flannel", "Halter", "Henley", "Hoodie",
    "Jacket", "Jersey", "Parka", "Peacoat", "Poncho", "Sweater", "Tank", "Tee", "Top", "Turtleneck",
    # lower-body (21-36)
    "Capris", "Chinos", "Culottes", "Cutoffs", "Gauchos", "Jeans", "Jeggings", "Jodhpurs", "Joggers", "Leggings",
    "Sarong", "Shorts", "Skirt", "Sweatpants", "Sweatshorts", "Trunks",
    # full-body (37-50)
    "Caftan", "Cape", "Coat", "Coverup", "Dress", "Jumpsuit", "Kaftan", "Kimono", "Nightdress", "Onesie",
    "Robe", "Romper", "Shirtdress", "Sundress",
)

#: The 8 fashion landmarks predicted by the pose branch.
LANDMARKS: tuple[str, ...] = (
    "left_collar", "right_collar", "left_sleeve", "right_sleeve",
    "left_waistline", "right_waistline", "left_hem", "right_hem",
)

NUM_ATTRIBUTES = 1000


def attribute_names(path: str | Path | None = None) -> list[str]:
    """Names of the 1,000 attributes.

    Parameters
    ----------
    path
        DeepFashion's ``list_attr_cloth.txt`` (first line the count, second a header, then
        ``<name> <type>`` lines). ``None`` gives placeholders ``attr_0000`` ... ``attr_0999``,
        since the attribute list is not shipped with this project.
    """
    if path is None:
        return [f"attr_{i:04d}" for i in range(NUM_ATTRIBUTES)]
    lines = Path(path).read_text(encoding="utf-8").splitlines()[2:]
    names = [line.rsplit(maxsplit=1)[0].strip() for line in lines if line.strip()]
    if len(names) != NUM_ATTRIBUTES:
        raise ValueError(f"{path}: expected {NUM_ATTRIBUTES} attribute names, found {len(names)}")
    return names
