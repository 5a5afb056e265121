"""The paper's ablations at small scale: input representation (RGB directly vs 1, 3, 6, 12 parts) and
supervision (L_2D, L_3D, L_lat, all three). Trains one fitting network per row on the same cached
samples and reports validation errors (inputs from ground-truth parts) in a markdown table.

    python scripts/run_ablations.py --data data/cache/seg --max-samples 8000 --epochs 3 --out docs/ablations.md

With several seeds (--seeds 0,1,2) each row is trained once per seed and the table gives the mean and the
spread (sample standard deviation) over seeds; --variants picks rows by name, --max-minutes stops
starting new runs after that much wall-clock time (finished rows are written after every run).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = [
    ("input", "RGB image directly", {"input": "rgb"}),
    ("input", "1 part (silhouette)", {"n_parts": 1}),
    ("input", "3 parts", {"n_parts": 3}),
    ("input", "6 parts", {"n_parts": 6}),
    ("input", "12 parts", {"n_parts": 12}),
    ("supervision", "L_2D only", {"loss_weights": {"lat": 0, "betas": 0, "j3d": 0}}),
    ("supervision", "L_3D only", {"loss_weights": {"lat": 0, "betas": 0, "j2d": 0}}),
    ("supervision", "L_lat only", {"loss_weights": {"j3d": 0, "j2d": 0}}),
    ("supervision", "L_lat + L_3D + L_2D", {}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="an RGB cache (images + labels)")
    ap.add_argument("--max-samples", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default: --seed alone)")
    ap.add_argument("--variants", default="all", help="comma-separated row names (default: all rows)")
    ap.add_argument("--max-minutes", type=float, default=0, help="start no new run after this long (0: no limit)")
    ap.add_argument("--runs", type=Path, default=Path("runs/ablations"))
    ap.add_argument("--out", type=Path, default=Path("docs/ablations.md"))
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    import numpy as np

    from training.config import FitConfig
    from training.loop import load_checkpoint
    from training.train_fit import train_fit

    seeds = [int(x) for x in a.seeds.split(",")] if a.seeds else [a.seed]
    rows = ROWS if a.variants == "all" else [r for r in ROWS if r[1] in a.variants.split(",")]
    t_start = time.time()
    results = []  # (group, name, seed, val, seconds)
    for seed in seeds:
        for group, name, extra in rows:
            if a.max_minutes and time.time() - t_start > a.max_minutes * 60:
                print(f"time budget spent: {name} seed {seed} not run", flush=True)
                continue
            tag = name.replace(" ", "_").replace("(", "").replace(")", "").replace("+", "")
            out = a.runs / (tag if len(seeds) == 1 else f"{tag}_seed{seed}")
            cfg = FitConfig(data=str(a.data), out=str(out), seed=seed, epochs=a.epochs, batch_size=64,
                            max_samples=a.max_samples, threads=a.threads,
                            augment="input" not in extra, res=64, **extra)
            t0 = time.time()
            best = train_fit(cfg)
            state = load_checkpoint(best)
            results.append((group, name, seed, state["val"], time.time() - t0))
            print(f"{name} seed {seed}: {state['val']}", flush=True)
            write(a, seeds, rows, results, np)


def write(a, seeds: list[int], rows, results, np) -> None:
    """The markdown table (mean and spread over seeds when several) and the raw rows as JSON."""
    cmd = (f"python scripts/run_ablations.py --data {a.data} --max-samples {a.max_samples} --epochs {a.epochs} "
           + (f"--seeds {a.seeds} " if a.seeds else "") + (f"--variants '{a.variants}' " if a.variants != "all" else "")
           + (f"--max-minutes {a.max_minutes:g} " if a.max_minutes else "")
           + (f"--threads {a.threads} " if a.threads else "") + f"--runs {a.runs} --out {a.out}")
    lines = [f"# Ablations ({a.max_samples} cached synthetic samples, {a.epochs} epochs each, "
             f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))})", "", f"Command: `{cmd}`", "",
             "Validation errors of the fitting network (5% held-out samples; part inputs are ground-truth "
             "part maps, as in the paper's slides).", ""]
    if len(seeds) == 1:
        lines += ["| ablation | variant | MPJPE (mm) | PA-MPJPE (mm) | train time (s) |", "|---|---|---|---|---|"]
        for group, name, _, val, secs in results:
            lines.append(f"| {group} | {name} | {val['mpjpe_mm']:.1f} | {val['pa_mpjpe_mm']:.1f} | {secs:.0f} |")
    else:
        lines += ["| ablation | variant | runs | MPJPE (mm) | PA-MPJPE (mm), mean +- sd | PA-MPJPE per seed |",
                  "|---|---|---|---|---|---|"]
        for group, name, _ in rows:
            mine = [r for r in results if r[1] == name]
            if not mine:
                continue
            pa = np.array([r[3]["pa_mpjpe_mm"] for r in mine])
            mp = np.array([r[3]["mpjpe_mm"] for r in mine])
            sd = f"{pa.std(ddof=1):.1f}" if len(pa) > 1 else "-"
            lines.append(f"| {group} | {name} | {len(mine)} | {mp.mean():.1f} | {pa.mean():.1f} +- {sd} | "
                         + ", ".join(f"{r[2]}: {r[3]['pa_mpjpe_mm']:.1f}" for r in mine) + " |")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text("\n".join(lines) + "\n")
    a.out.with_suffix(".json").write_text(json.dumps([{"group": g, "variant": n, "seed": sd, "val": v, "seconds": s}
                                                        for g, n, sd, v, s in results], indent=1))
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
