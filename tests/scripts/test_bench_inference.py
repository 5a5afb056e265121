"""scripts/bench_inference.py under bad input (helper-85's fixes): counts below their minimum and a --weights folder
that is no weights folder are one line and exit 2, before any image is rendered."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_inference  # noqa: E402


@pytest.mark.parametrize("args, why", [(["--n", "0"], "--n: must be 1 or more, not 0"),
                                       (["--n", "-3"], "--n: must be 1 or more, not -3"),
                                       (["--warmup", "-1"], "--warmup: must be 0 or more, not -1"),
                                       (["--refine-n", "-1"], "--refine-n: must be 0 or more, not -1")])
def test_counts_below_their_minimum_are_refused(args, why, capsys):
    """--n 0, --n -3 and --warmup -1 timed nothing, said "every image failed (no person found)" and exited 0."""
    with pytest.raises(SystemExit) as stop:
        bench_inference.main(args)
    assert stop.value.code == 2 and f"argument {why}" in capsys.readouterr().err


def test_a_weights_folder_that_is_none_is_one_line(tmp_path, capsys):
    """A missing --weights folder was "skipped", exit 0; one of files that are no weights a PredictionError
    traceback after the images had been rendered."""
    assert bench_inference.main(["--weights", str(tmp_path / "missing"), "--n", "1"]) == 2
    out, err = capsys.readouterr()
    assert err == f"error: --weights {tmp_path / 'missing'}: no such folder (give the folder that holds seg.pt " \
                  "and fit.pt)\n" and "skipped" not in out
    for name in ("seg.pt", "fit.pt"):
        (tmp_path / name).write_text("not weights")
    assert bench_inference.main(["--weights", str(tmp_path), "--n", "1", "--detect", "off"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"error: cannot load weights {tmp_path / 'seg.pt'}") and len(err.splitlines()) == 1
    assert "synthetic images" not in out  # refused before any image was rendered


def test_random_weights_are_the_shipped_architecture(tmp_path):
    """--random-weights built a width-16 SegNet without deep limbs and a FitNet without the keypoint numbers (a quarter
    of the shipped segmentation network's parameters) and called them the shipped architecture."""
    import torch

    from inference.pipeline import WEIGHTS_DIR

    bench_inference.random_weights(tmp_path, WEIGHTS_DIR)
    for name, keys in (("seg.pt", bench_inference.SEG_KEYS), ("fit.pt", bench_inference.FIT_KEYS)):
        shipped = torch.load(WEIGHTS_DIR / name, map_location="cpu", weights_only=False)
        fake = torch.load(tmp_path / name, map_location="cpu", weights_only=False)
        assert {k: fake.get(k) for k in keys} == {k: shipped.get(k) for k in keys}, name
        assert {k: v.shape for k, v in fake["model"].items()} == {k: v.shape for k, v in shipped["model"].items()}
    assert torch.load(tmp_path / "seg.pt", weights_only=False)["deep_limbs"] is True  # what the shipped one records


def test_images_without_a_person_are_counted_and_timed_apart(capsys):
    """An image where no person was found was counted, its time dropped without a word."""
    import numpy as np

    from inference.image_io import load_image
    from inference.pipeline import Predictor

    pred = Predictor(device="cpu", detect="off")
    blank = np.full((256, 256, 3), 128, np.uint8)  # the segmentation finds no one: NoPersonFound
    photo = load_image(Path(__file__).resolve().parents[2] / "resources" / "photos" / "astronaut.jpg")
    assert bench_inference.bench_device(pred, [blank, photo, blank], 0, 0) == 1
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if "without a person" in s)
    assert line.startswith("  2 without a person, ") and " s each (mean; the slowest " in line, line
    assert line.endswith(" s), not in the figures"), line
    assert "  1 images timed, 0 warm-up excluded" in out

    assert bench_inference.bench_device(pred, [blank], 0, 0) == 0  # every image failed: still its time
    out, err = capsys.readouterr()
    assert "  1 without a person, " in out and out.rstrip().endswith(" s each, not in the figures")
    assert "every image failed" in err
