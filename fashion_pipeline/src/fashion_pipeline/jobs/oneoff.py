"""One-off processing: one uploaded image or one product id, transformed and/or scored synchronously."""

from __future__ import annotations

import time
from typing import Any

from fashion_pipeline.config import Settings
from fashion_pipeline.jobs.processing import Processor, StageTimer, decode, sha256
from fashion_pipeline.jobs.spec import ModelStep
from fashion_pipeline.transforms import StepSpec


class ProductNotFoundError(LookupError):
    """No product with that id (or its image object is missing)."""


def process_one(
    settings: Settings,
    *,
    image: bytes | None = None,
    product_id: int | None = None,
    transform: list[StepSpec | dict[str, Any]] | None = None,
    model: ModelStep | None = None,
    seed: int = 0,
    image_format: str = "jpeg",
) -> tuple[bytes | None, dict[str, Any]]:
    """Transform and/or score one image.

    Parameters
    ----------
    image, product_id
        Exactly one: raw image bytes, or a product whose original is read from the store.
    transform, model
        Steps as in a job (``None`` = skip that step; at least one is required).
    seed
        Transform seed (``derive_seed(seed, product_id or "upload")``).

    Returns
    -------
    (bytes or None, dict)
        The encoded output image (when transformed) and the metadata record.

    Raises
    ------
    ValueError
        Bad arguments or an undecodable image.
    ProductNotFoundError
        Unknown product id / missing source object.
    """
    from imagecore.storage import ObjectNotFoundError

    from fashion_pipeline.config import get_store

    if (image is None) == (product_id is None):
        raise ValueError("give exactly one of an image or a product id")
    if not transform and model is None:
        raise ValueError("nothing to do: give transform steps, a model, or both")
    record: dict[str, Any] = {}
    if product_id is not None:
        from fashion_pipeline.db.products import Product
        from fashion_pipeline.db.session import session_scope
        from fashion_pipeline.query import ProductOut

        with session_scope(settings) as s:
            row = s.get(Product, product_id)
            if row is None:
                raise ProductNotFoundError(f"no product {product_id}")
            product = ProductOut.from_row(row)
        try:
            image = get_store(settings).get(product.image_key)
        except ObjectNotFoundError:
            raise ProductNotFoundError(f"image of product {product_id} is missing ({product.image_key})") from None
        record["product"] = product.model_dump(exclude={"image_url"}, mode="json")
        record["source"] = {"key": product.image_key, "uri": product.image_uri, "sha256": product.image_sha256}
        key: int | str = product_id
    else:
        record["source"] = {"upload": True, "sha256": sha256(image), "bytes": len(image)}  # type: ignore[arg-type]
        key = "upload"
    try:
        arr = decode(image)  # type: ignore[arg-type]
    except Exception as exc:
        raise ValueError(f"cannot decode the image: {exc}") from None
    record["source"].update(width=int(arr.shape[1]), height=int(arr.shape[0]))
    proc = Processor([t if isinstance(t, dict) else t.model_dump() for t in transform] if transform else None,
                     model.model_dump() if model else None, seed=seed, image_format=image_format)
    timer = StageTimer()
    t0 = time.perf_counter()
    (res,) = proc.run([(key, arr)], timer)
    if not res.ok:
        raise ValueError(res.error)
    record.update(res.record)
    record["timings_ms"] = {k: round(v * 1000, 2) for k, v in timer.seconds.items()}
    record["timings_ms"]["total"] = round((time.perf_counter() - t0) * 1000, 2)
    return res.encoded, record
