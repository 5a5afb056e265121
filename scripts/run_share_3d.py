"""How much 3D supervision (the paper's third experiment): train the fitting network with 3D labels
(L_lat + L_3D) on a share of the samples and only the 2D joint loss on the rest, one run per share, all
else equal (same cached samples, steps, seed, one thread), one run at a time; then collect the
validation errors into docs/science/share_3d.json.

    python scripts/run_share_3d.py --shares 0,1,0.2,0.05 --epochs 3      # train what is missing, collect
    python scripts/run_share_3d.py --collect-only                       # collect finished runs only

Each run is `python main.py train-fit ... --share-3d S` into runs/share3d/share_SSS; a run whose
latest.pt already holds the last epoch is not trained again.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_dir(runs: Path, share: float) -> Path:
    return runs / f"share_{round(share * 1000):04d}"


def command(a, share: float) -> list[str]:
    return [sys.executable, "main.py", "train-fit", "--data", a.data, "--out", str(run_dir(a.runs, share)),
            "--epochs", str(a.epochs), "--batch-size", "64", "--lr", "1e-3", "--seed", str(a.seed),
            "--threads", "1", "--max-samples", str(a.max_samples), "--share-3d", str(share)]


def _load(path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from training.loop import load_checkpoint

    return load_checkpoint(path)


def finished(path: Path, epochs: int) -> dict | None:
    """The state of a run's latest.pt when it holds the last epoch, else None."""
    if not (path / "latest.pt").exists():
        return None
    s = _load(path / "latest.pt")
    return s if s["epoch"] >= epochs else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/cache/seg")
    ap.add_argument("--shares", default="0,1,0.2,0.05,0.5,0.01", help="comma-separated, trained in this order")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-samples", type=int, default=24000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=Path, default=Path("runs/share3d"))
    ap.add_argument("--out", type=Path, default=Path("docs/science/share_3d.json"))
    ap.add_argument("--collect-only", action="store_true")
    a = ap.parse_args()
    shares = [float(s) for s in a.shares.split(",")]
    rows = []
    for share in shares:
        d = ROOT / run_dir(a.runs, share)
        state = finished(d, a.epochs)
        seconds = None
        if state is None and not a.collect_only:
            t0 = time.time()
            print(" ".join(command(a, share)), flush=True)
            subprocess.run(command(a, share), cwd=ROOT, check=True)
            seconds = time.time() - t0
            state = finished(d, a.epochs)
        if state is None:
            print(f"share {share}: not finished, left out")
            continue
        best = _load(d / "best.pt")
        rows.append({"share_3d": share, "labelled_fraction_of_train": state.get("share_3d"),
                     "final_val": state["val"], "best_val": best["val"], "best_epoch": best["epoch"],
                     "steps": state["step"], "train_seconds": state.get("elapsed_s", seconds),
                     "command": "python main.py train-fit " + " ".join(command(a, share)[3:])})
        print(f"share {share}: final {state['val']}, best {best['val']}", flush=True)
        out = ROOT / a.out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"epochs": a.epochs, "max_samples": a.max_samples, "seed": a.seed,
                                   "data": a.data, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
