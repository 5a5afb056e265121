"""scripts/_study.py: the synthetic studies' command line, the case ids it names and their one-thread Predictor."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import _study  # noqa: E402

DOC = """What the study measures.

    python scripts/study_x.py data/synth_test --n 10

More about it."""


def _folder(tmp_path: Path, n: int) -> Path:
    for i in range(n):
        (tmp_path / f"{i:05d}_image.png").write_bytes(b"")
    return tmp_path


def test_the_parser_takes_the_folder_and_n_and_the_docstrings_first_paragraph():
    ap = _study.synth_parser(DOC)
    assert ap.description == "What the study measures."
    a = ap.parse_args(["data/x"])
    assert a.data == Path("data/x") and a.n == 0
    assert _study.synth_parser(DOC, n=200).parse_args(["d"]).n == 200
    assert ap.parse_args(["d", "--n", "7"]).n == 7


def test_the_first_n_cases_in_order_every_case_with_n_zero(tmp_path):
    folder = _folder(tmp_path, 5)
    assert _study.synth_cases(folder, 2) == ["00000", "00001"]
    assert _study.synth_cases(folder, 0) == ["00000", "00001", "00002", "00003", "00004"]
    assert _study.synth_cases(folder, 9) == _study.synth_cases(folder)


def test_split_none_reads_every_case_and_a_split_its_list(tmp_path):
    folder = _folder(tmp_path, 4)
    (folder / "test.txt").write_text("00003\n00001\n")
    assert _study.synth_cases(folder, 0) == ["00000", "00001", "00002", "00003"]
    assert _study.synth_cases(folder, 0, split="test") == ["00003", "00001"]
    assert _study.synth_cases(folder, 1, split="test") == ["00003"]


def test_a_negative_n_is_refused_rather_than_dropping_the_last_cases(tmp_path):
    with pytest.raises(ValueError, match="not -1"):
        _study.synth_cases(_folder(tmp_path, 3), -1)


def test_the_predictor_runs_torch_on_one_thread():
    import torch

    from inference.pipeline import WEIGHTS_DIR, Predictor

    if not (WEIGHTS_DIR / "seg.pt").is_file():
        pytest.skip("no trained weights")
    before = torch.get_num_threads()
    try:
        pred = _study.study_predictor(detect="off", refine=False)
        assert isinstance(pred, Predictor) and pred.detector is None and not pred.refine
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
