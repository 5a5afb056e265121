"""Time per wide-shot photo: person detection (whole-image views + wide-shot tiles) and the fits of everyone found.

    python scripts/bench_wide.py data/crowds_test --n 10            # crowd frames (main.py synth-crowd)
    python scripts/bench_wide.py photo1.jpg photo2.jpg               # any photos

Per image: detection with the tiles (`PersonDetector.detect`, cache cleared first), detection without them
(`wide=False`, the detector as it was before wide shots), then `Predictor.predict(image, person=k)` for every
person found (the detector answers from its cache, as in the app's Fit everyone and `predict --all-people`).
Prints one line per image and the medians; no image to time (an empty folder, say) is one line and exit 2.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference.openmp import shorten_openmp_spin  # noqa: E402

shorten_openmp_spin()  # as the app and the CLI do (cli.main.main)


def main(argv=None) -> int:
    from training.set_settings import whole_number

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", type=Path, help="a crowd folder or image files")
    ap.add_argument("--n", type=whole_number(1), default=10, help="frames of a crowd folder")
    ap.add_argument("--torch-threads", type=whole_number(0), default=0,
                    help="torch threads, and so the detector's (0: torch's own count, as the app runs)")
    args = ap.parse_args(argv)

    from inference.render.context import configure_gl

    configure_gl()
    import torch

    from inference.image_io import load_image
    from inference.pipeline import PredictionError, Predictor

    if args.torch_threads > 0:
        torch.set_num_threads(args.torch_threads)
    images: list[tuple[str, np.ndarray]] = []
    for p in args.inputs:
        if p.is_dir():
            from training.synth.crowd import frame_indices, read_frame

            images += [(f"{p.name}/{i:05d}", read_frame(p, i).image) for i in frame_indices(p)[: args.n]]
        else:
            images.append((p.name, load_image(p)))
    if not images:  # (the medians of nothing were an IndexError after the model had loaded)
        print(f"error: no image to time in {', '.join(map(str, args.inputs))} (a crowd folder holds "
              f"NNNNN_image.png frames: main.py synth-crowd)", file=sys.stderr)
        return 2
    pred = Predictor(detect="on")
    det = pred.detector
    print(f"torch threads {torch.get_num_threads()}, detector threads {det.threads}")
    det.detect(images[0][1][:64, :64].copy())  # load and warm up the interpreters
    rows = []
    for name, img in images:
        det.forget()
        t0 = time.perf_counter()
        narrow = det.detect(img, wide=False)
        t1 = time.perf_counter()
        det.forget()
        people = pred.people(img)
        t2 = time.perf_counter()
        fits = []
        for k in range(len(people)):
            t = time.perf_counter()
            try:
                pred.predict(img, person=k)
            except PredictionError:
                continue
            fits.append(time.perf_counter() - t)
        t3 = time.perf_counter()
        rows.append((t1 - t0, t2 - t1, t3 - t2, len(people), len(narrow)))
        print(f"{name} {img.shape[1]}x{img.shape[0]}: detect {t2 - t1:.2f} s ({len(people)} people; without tiles "
              f"{t1 - t0:.2f} s, {len(narrow)} people), {len(fits)} fits {t3 - t2:.2f} s "
              f"({np.median(fits) * 1000 if fits else 0:.0f} ms each), detection + all fits {t3 - t1:.2f} s",
              flush=True)
    r = np.array(rows)
    print(f"median over {len(rows)} images: detection {np.median(r[:, 1]):.2f} s (without tiles "
          f"{np.median(r[:, 0]):.2f} s), all fits {np.median(r[:, 2]):.2f} s, detection + all fits "
          f"{np.median(r[:, 1] + r[:, 2]):.2f} s; people found {r[:, 3].sum():.0f} (without tiles {r[:, 4].sum():.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
