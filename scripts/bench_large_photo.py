"""Time and memory of one large photo (a phone's 12 or 48 megapixels) through `predict --all-people`'s steps.

    python scripts/bench_large_photo.py                                   # two_people.jpg at 12 and 48 MP
    python scripts/bench_large_photo.py data/photos_opencv/vtest_0600.png --megapixels 12 48

The photo is enlarged (bicubic) to each size, then, in a fresh process per size: person detection with the
wide-shot search (`PersonDetector.detect`), the fit of every person found (`Predictor.predict(person=k)`,
refinement on as `predict` runs it) and the writing of every output `predict` writes for each person
(`predict_outputs.write_outputs`: part maps in the photo's frame, the people picture, the overlays, meshes,
parameter files). Prints one line per size: people found, seconds per step and the process's peak resident
memory in GiB (2**30 bytes; the models included: about 0.9 GiB on a small photo).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one(photo: Path, megapixels: float) -> dict:
    """The steps on `photo` enlarged to `megapixels`, in this process; a dict of figures."""
    from inference.openmp import shorten_openmp_spin

    shorten_openmp_spin()  # as the CLI does
    from inference.render.context import configure_gl

    configure_gl()
    import cv2

    from inference.body_model import BodyModel
    from inference.image_io import load_image
    from inference.pipeline import Predictor
    from inference.predict_outputs import write_outputs
    from inference.render.renderer import MeshRenderer

    small = load_image(photo)
    h, w = small.shape[:2]
    k = (megapixels * 1e6 / (h * w)) ** 0.5
    image = cv2.resize(small, (round(w * k), round(h * k)), interpolation=cv2.INTER_CUBIC)
    del small
    body = BodyModel()
    pred = Predictor(body_model=body, detect="on", refine=True)  # as predict runs (refinement on by default)
    renderer = MeshRenderer(body.faces, body.weights)
    pred.detector.detect(image[:64, :64].copy())  # load and warm up the interpreters
    pred.detector.forget()
    t0 = time.perf_counter()
    people = pred.people(image)
    t1 = time.perf_counter()
    fits, outputs = 0.0, 0.0
    with tempfile.TemporaryDirectory() as out:
        for n in range(max(len(people), 1)):
            t = time.perf_counter()
            p = pred.predict(image, person=n)
            fits += time.perf_counter() - t
            t = time.perf_counter()
            write_outputs(p, Path(out) / f"photo_p{n + 1}", ["obj"], renderer, "bench", overwrite=True,
                          body_model=body)
            outputs += time.perf_counter() - t
            del p
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"size": f"{image.shape[1]} x {image.shape[0]}", "megapixels": image.shape[0] * image.shape[1] / 1e6,
            "people": len(people), "detect_s": t1 - t0, "fits_s": fits, "outputs_s": outputs,
            "peak_gib": peak_kb / 2**20}  # ru_maxrss is in KiB on Linux


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photo", nargs="?", type=Path, default=ROOT / "resources/photos/two_people.jpg")
    ap.add_argument("--megapixels", type=float, nargs="+", default=[12.0, 48.0])
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single size, in this process
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.photo, args.megapixels[0])))
        return 0
    print(f"{args.photo.name}: detection, every person's fit and outputs, in a fresh process per size")
    print(f"{'size':>13} {'MP':>5} {'people':>6} {'detect s':>9} {'fits s':>7} {'outputs s':>9} {'peak GiB':>8}")
    for mp in args.megapixels:
        run = subprocess.run([sys.executable, __file__, str(args.photo), "--megapixels", str(mp), "--one"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{mp:.0f} MP failed:\n{run.stderr[-2000:]}", file=sys.stderr)
            return 1
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{r['size']:>13} {r['megapixels']:5.1f} {r['people']:6d} {r['detect_s']:9.2f} {r['fits_s']:7.2f} "
              f"{r['outputs_s']:9.2f} {r['peak_gib']:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
