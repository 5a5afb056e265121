"""training.train_part_head: the segmentation's maps of synthetic people extracted, the head trained on them by the
shared loop, and the Predictor reading the result from its weights folder."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from cli.main import main
from inference.array_files import read_npz
from inference.errors import PredictionError
from inference.image_io import load_image
from inference.paths import RESOURCES
from inference.pipeline import Predictor
from training.config import PartHeadConfig
from training.loop import train
from training.train_part_head import PartHeadTask, extract


def test_extract_train_and_the_predictor_reads_the_head(tmp_path):
    folder = tmp_path / "synth"
    assert main(["synth", "--out", str(folder), "--n", "6", "--seed", "7"]) == 0
    n = extract(folder, tmp_path / "cache")
    z = read_npz(tmp_path / "cache" / "shard_00000.npz")
    assert n == len(z["labels"]) >= 4  # a person found in most of them
    assert z["probs"].shape == (n, 13, 128, 128) and z["probs"].dtype == np.float16
    assert z["labels"].shape == (n, 128, 128) and set(np.unique(z["labels"])) > {0, 1}
    # the exact labels lie where the segmentation paints the body: most of its body pixels agree on body
    body = z["probs"].astype(np.float32).argmax(1) > 0
    assert (z["labels"][body] > 0).mean() > 0.8
    torch.manual_seed(0)
    best = train(PartHeadTask(PartHeadConfig(data=str(tmp_path / "cache"), out=str(tmp_path / "run"), epochs=2,
                                             batch_size=2, val_fraction=0.25, width=8)))
    ck = torch.load(best, weights_only=True)
    assert ck["width"] == 8 and ck["res"] == 128 and 0 < ck["val"]["miou"] <= 1
    weights = tmp_path / "weights"
    weights.mkdir()
    for name in ("seg.pt", "fit.pt"):
        shutil.copy(RESOURCES / "weights" / name, weights / name)
    photo = load_image(folder / "00000_image.png")
    plain = Predictor(weights_dir=weights, detect="on")
    shutil.copy(best, weights / "part_head.pt")
    with_head = Predictor(weights_dir=weights, detect="on")
    assert plain.part_head is None and with_head.part_head is not None
    assert Predictor(weights_dir=weights, detect="on", part_head=False).part_head is None
    a, b = plain.predict(photo), with_head.predict(photo)
    assert b.parts.probs.shape == a.parts.probs.shape and not np.array_equal(a.parts.probs, b.parts.probs)


def test_a_part_head_file_of_another_network_is_refused_with_its_name(tmp_path):
    for name in ("seg.pt", "fit.pt"):
        shutil.copy(RESOURCES / "weights" / name, tmp_path / name)
    shutil.copy(RESOURCES / "weights" / "fit.pt", tmp_path / "part_head.pt")
    with pytest.raises(PredictionError, match=r"part_head.pt does not match the PartHead architecture"):
        Predictor(weights_dir=tmp_path, detect="off")


def test_mirrored_training_maps_keep_their_labels(tmp_path):
    """A map mirrored for training is flipped, and its left and right parts exchanged in both the probabilities and
    the labels: a one-hot map still says its own labels."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 13, (8, 16, 16)).astype(np.uint8)
    task = PartHeadTask(PartHeadConfig(data=str(tmp_path), out=str(tmp_path / "run")))
    task.probs = np.eye(13, dtype=np.float16)[labels].transpose(0, 3, 1, 2)
    task.labels = labels
    task.build_net(torch.device("cpu"))
    task.begin(torch.device("cpu"), 0, np.arange(8))
    x, y = task._batch(np.arange(8), augment=True)
    flipped = [i for i in range(8) if not torch.equal(y[i], torch.from_numpy(labels[i].astype(np.int64)))]
    assert 0 < len(flipped) < 8
    assert torch.equal(x.argmax(1), y)
