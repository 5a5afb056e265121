#!/bin/bash
# The GPU calls of stop 29 (resources/weights/MODEL_CARD.md): the shipped segmentation network (seg10) and
# fitting network (fit10) trained further on one H200, each a process of its own; the segmentation run keeps
# the GPU busy, the fitting run is bound by its CPU-side batches (part-map corruption, limb maps).
# Prepared here, in folders that travel (ignored by git, named in the device call's `carry`; the tracked
# docs/, tests/, resources/detector, photos and samples and people.pt were moved aside for the call, to stay
# under the 64 MiB that travels):
#   python -m training.cache --pack data/cache/seg --out .gpu/pack60 --n 16000 --quality 60   # shards 0-12 carried
#   python scripts/train_fit_gpu.py --pack data/cache/seg,data/cache/fit_pred_g27 --n 24000 --out .gpu/fitpack
#   mkdir -p .gpu/site && cp -r .venv/lib/python3*/site-packages/smplx .gpu/site/   # not installed there
# There: `MINUTES=7 bash scripts/gpu_runs_stop29.sh both` (as run, the fitting process failed for want of
# smplx, carried from then on), then `MINUTES=3 bash scripts/gpu_runs_stop29.sh fit`; checkpoints (half
# precision) and logs in $OUT.
# Here, a CPU dry run of the same commands: `OUT=/tmp/dry PY=.venv/bin/python DRY=--dry-run bash scripts/gpu_runs_stop29.sh both`.
cd "$(dirname "$0")/.." || exit 1
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD/.gpu/site${PYTHONPATH:+:$PYTHONPATH}"
: "${OUT:?set OUT to the folder for the results}"
PY=${PY:-python3}
M=${MINUTES:-7}
seg() { OMP_NUM_THREADS=2 $PY scripts/train_seg_gpu.py --data .gpu/pack60 --out "$OUT" --minutes "$M" --variant segnet \
    --init resources/weights/seg.pt --lr 3e-4 --seed 0 --name w32c $DRY; }
fit() { OMP_NUM_THREADS=$1 $PY scripts/train_fit_gpu.py --data .gpu/fitpack --out "$OUT" --minutes "$M" \
    --init resources/weights/fit.pt --lr 3e-4 --batch-size 256 --seed 10 --name fit11 $DRY; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
case "$1" in
both)
    seg > /tmp/seg.out 2>&1 &
    fit 14 > /tmp/fit.out 2>&1 &
    sleep "${WAIT:-120}"; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null; uptime
    wait
    for f in /tmp/seg.out /tmp/fit.out; do echo "== $f"; grep -v "it/s\|s/it" "$f" | tail -30; done > "$OUT/runs.txt"
    cat "$OUT/runs.txt" ;;
fit)
    fit 15 2>&1 | grep -v "it/s\|s/it" ;;
*)  echo "usage: OUT=DIR bash scripts/gpu_runs_stop29.sh both|fit"; exit 2 ;;
esac
ls -la "$OUT"
