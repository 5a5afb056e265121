"""Seconds to read an output folder's record (inference.batch_log) as `predict` and the app do on every run.

    python scripts/bench_batch_log.py                    # 50 images x 200 people, 20,000 images x 2
    python scripts/bench_batch_log.py --shape 1000x5 --out /tmp/bench_log

Writes a rank log of 'done' rows (and an empty NAME.npz per output, which the merge looks for) into a scratch
folder, then times `people_logged` (the resume's counts), `merge_rows` with every image an input, and `merge_rows`
with none (every output listed as another image's). Prints one line per shape:
`images=<n> people=<k> people_logged_s=<a> merge_inputs_s=<b> merge_others_s=<c> rows=<r>`.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference import batch_log  # noqa: E402


def build(out: Path, images: int, people: int) -> None:
    """A folder of `images` images of `people` people each, every person written by one --all-people run."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = batch_log.BatchLog(out, "rank0-of-1.csv", rank=0)
    t = 0
    for i in range(images):
        for k in range(1, people + 1):
            o = f"img{i}" if k == 1 else f"img{i}_p{k}"
            t += 1
            log.write(finished_at=f"2026-01-01T00:00:00.{t:09d}", index=i, image=f"/in/img{i}.jpg", output=o,
                      person=k, people=people, status="done", message="")
            (out / f"{o}.npz").touch()
    log.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", action="append", default=None, metavar="IMAGESxPEOPLE",
                    help="images x people per image (repeatable; default 50x200 and 20000x2)")
    ap.add_argument("--out", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_batch_log_"))
    for shape in args.shape or ["50x200", "20000x2"]:
        n, k = (int(v) for v in shape.lower().split("x"))
        out = root / shape
        build(out, n, k)
        images, stems = [Path(f"/in/img{i}.jpg") for i in range(n)], [f"img{i}" for i in range(n)]
        t0 = time.perf_counter()
        batch_log.people_logged(out)
        t1 = time.perf_counter()
        rows = batch_log.merge_rows(images, stems, batch_log.read_logs(out), out)
        t2 = time.perf_counter()
        batch_log.merge_rows([], [], batch_log.read_logs(out), out)
        t3 = time.perf_counter()
        print(f"images={n} people={k} people_logged_s={t1 - t0:.2f} merge_inputs_s={t2 - t1:.2f} "
              f"merge_others_s={t3 - t2:.2f} rows={len(rows)}")
        shutil.rmtree(out, ignore_errors=True)
    if args.out is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
