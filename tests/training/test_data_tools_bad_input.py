"""Bad input to the data-preparation tools (`python -m training.predicted_parts`, `training.pipeline_parts`,
`training.cache`): one line and exit 2, and no empty --out folder left by a run that failed before writing anything (a
folder that was there before is kept). --workers is checked as `main.py synth --workers` is.

Found by a sweep: a train-fit checkpoint as --seg ended in load_state_dict's list of 140 keys, a missing data folder
in "need at least one array to concatenate", a run folder as --weights in a PredictionError traceback, --workers 0 in
multiprocessing's ValueError, and most left their --out behind, empty."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.tiny_weights import write_tiny_runs


def _run(monkeypatch, capsys, module, *argv: str) -> tuple[int, str]:
    """module.main() as `python -m` runs it (sys.argv), its exit status and what it said on stderr."""
    monkeypatch.setattr(sys, "argv", [module.__name__, *argv])
    try:
        status = module.main()
    except SystemExit as exc:
        status = exc.code
    return status, capsys.readouterr().err.strip()


def _one_line(err: str) -> str:
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    return write_tiny_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def rgb(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rgb")
    rng, n = np.random.default_rng(0), 3
    np.savez(folder / "shard_00000.npz", images=rng.integers(0, 255, (n, 32, 32, 3), dtype=np.uint8),
             labels=rng.integers(0, 13, (n, 32, 32), dtype=np.uint8), pose=rng.normal(size=(n, 72)),
             betas=rng.normal(size=(n, 10)), transl=rng.normal(size=(n, 3)), joints3d=rng.normal(size=(n, 24, 3)),
             joints2d=rng.normal(size=(n, 24, 2)))
    return folder


def test_predicted_parts_refuses_another_network_and_data_without_shards(checkpoints, rgb, tmp_path, monkeypatch,
                                                                         capsys):
    import training.predicted_parts as pp

    out = tmp_path / "out"
    status, err = _run(monkeypatch, capsys, pp, "--seg", str(checkpoints["fit"]), "--data", str(rgb), "--out",
                       str(out))
    assert status == 2 and _one_line(err) == (f"error: --seg {checkpoints['fit']} is a train-fit checkpoint, not a "
                                              f"segmentation network's (train-seg's best.pt, or "
                                              f"resources/weights/seg.pt)")
    assert not out.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    for data, why in ((tmp_path / "nope", "no such folder"), (empty, "no shards in it")):
        status, err = _run(monkeypatch, capsys, pp, "--seg", str(checkpoints["seg"]), "--data", str(data), "--out",
                           str(out))
        assert status == 2 and _one_line(err).startswith(f"error: --data {data}: {why}"), err
        assert not out.exists()
    out.mkdir()  # a folder that was there before stays
    status, err = _run(monkeypatch, capsys, pp, "--seg", str(checkpoints["fit"]), "--data", str(rgb), "--out",
                       str(out))
    assert status == 2 and out.is_dir()


def test_pipeline_parts_refuses_data_without_shards_and_weights_that_do_not_load(checkpoints, rgb, tmp_path,
                                                                                 monkeypatch, capsys):
    import training.pipeline_parts as pp

    out = tmp_path / "out"
    status, err = _run(monkeypatch, capsys, pp, "--data", str(tmp_path / "nope"), "--out", str(out))
    assert status == 2 and _one_line(err).startswith(f"error: --data {tmp_path / 'nope'}: no such folder"), err
    run = checkpoints["fit"].parent  # a training run, not a weights folder (seg.pt, fit.pt)
    status, err = _run(monkeypatch, capsys, pp, "--data", str(rgb), "--out", str(out), "--weights", str(run))
    assert status == 2 and _one_line(err).startswith(f"error: --weights {run}: "), err
    assert not out.exists()


def test_cache_checks_workers_and_pack_and_leaves_no_empty_out(tmp_path, monkeypatch, capsys):
    import training.cache as cache

    out = tmp_path / "out"
    status, err = _run(monkeypatch, capsys, cache, "--out", str(out), "--n", "2", "--workers", "0")
    assert status == 2 and err.splitlines()[-1].endswith("argument --workers: must be 1 or more, not 0"), err
    status, err = _run(monkeypatch, capsys, cache, "--out", str(out), "--n", "2", "--workers", "100000")
    assert status == 2 and "must be at most" in err and "the CPU cores here" in err, err
    status, err = _run(monkeypatch, capsys, cache, "--pack", str(tmp_path / "nope"), "--out", str(out), "--n", "4")
    assert status == 2 and _one_line(err).startswith(f"error: --pack {tmp_path / 'nope'}: no such folder"), err
    assert not out.exists()

    def fails(out_dir, *args):  # a build that fails once its folder is made, before any shard
        out_dir.mkdir(parents=True, exist_ok=True)
        raise OSError("cannot start the rendering processes")

    monkeypatch.setattr(cache, "build_cache", fails)
    with pytest.raises(OSError):
        _run(monkeypatch, capsys, cache, "--out", str(out), "--n", "2", "--workers", "1")
    assert not out.exists()


def test_cache_help_states_its_defaults(monkeypatch, capsys):
    import training.cache as cache

    monkeypatch.setattr(sys, "argv", ["training.cache", "--help"])
    with pytest.raises(SystemExit):
        cache.main()
    text = " ".join(capsys.readouterr().out.split())
    for option, default in (("--seed SEED", "0"), ("--res RES", "128"), ("--workers WORKERS", "2"),
                            ("--shard SHARD", "500")):
        at = text.index(option, text.index("options:"))
        assert f"default {default})" in text[at:text.index(" --", at + 3)], option
    at = text.index("--labels-only", text.index("options:"))
    assert text[at:].split(" --")[0].strip() != "--labels-only"  # it has a help text
