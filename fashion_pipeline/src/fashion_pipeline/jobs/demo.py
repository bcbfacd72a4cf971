"""Part 2 of the demo: a transform + model job on a few products, then a one-off request.

Called by :mod:`fashion_pipeline.demo` (after part 1's ingest) as ``run(settings, small)``.
"""

from __future__ import annotations

import json
import time

from fashion_pipeline.config import Settings


def run(settings: Settings, small: bool) -> int:
    """Run a job (random crop + fit 256, then the category CNN) on 8 products (64 unless ``small``).

    Returns
    -------
    int
        0 when the job succeeded.
    """
    from fashion_pipeline.db.session import init_db
    from fashion_pipeline.jobs.backends import submit_job
    from fashion_pipeline.jobs.oneoff import process_one
    from fashion_pipeline.jobs.outputs import output_location
    from fashion_pipeline.jobs.service import job_results
    from fashion_pipeline.jobs.spec import JobSpec, ModelStep

    init_db(settings)
    n = 8 if small else 64
    spec = JobSpec.model_validate({"query": {"masterCategory": ["Apparel", "Footwear"], "limit": n, "sort": "id"},
                                   "model": {"name": "category_cnn", "top_k": 2}, "chunk_size": 4 if small else 16,
                                   "seed": 7})
    t0 = time.perf_counter()
    job = submit_job(settings, spec, backend="inprocess", wait=True)
    elapsed = time.perf_counter() - t0
    loc = output_location(settings, job.id, None)
    print(f"job {job.id}: {job.status}, {job.succeeded_count}/{job.total} images ok, {job.failed_count} failed, "
          f"{elapsed:.1f} s ({job.total / max(elapsed, 1e-9):.1f} img/s)")
    print(f"outputs: {loc.uri}/  (images/, metadata.jsonl, manifest.json)")
    _, items = job_results(settings, job.id, limit=5)
    for it in items:
        if it["status"] != "ok":
            print(f"  {it['id']:>6}  error: {it.get('error')}")
            continue
        crop = it["transform"]["steps"][0]
        pred = it["model"]["articleType"][0]
        print(f"  {it['id']:>6}  {it['product']['articleType'] or '':<14} crop {crop['width_fraction']:.2f}x"
              f"{crop['height_fraction']:.2f} -> predicted {pred['name']} ({pred['score']:.2f})")
    if items:
        _, record = process_one(settings, product_id=items[0]["id"], transform=None,
                                model=ModelStep.model_validate({"name": "fashionnet", "top_k": 1,
                                                                "options": {"width_mult": 0.125, "input_size": 64}}))
        print("one-off FashionNet (untrained, reduced width) on product", items[0]["id"], ":",
              json.dumps(record["model"]["categories"]), "weights:", record["model"]["weights"])
    return 0 if job.status == "succeeded" else 1
