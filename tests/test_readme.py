"""The README's commands and figures agree with the files they cite."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FLAT = " ".join(README.split())  # the text with its line breaks as spaces


def _rows(text: str, start: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")][1:] for line in text.splitlines()
            if line.startswith(f"| {start}")]


def test_the_baseline_rows_are_those_of_docs_eval():
    """The SMPLify rows under the `evaluate ... --out docs/eval` command are that run's (docs/eval/eval.md), and
    the speed and ratio the text gives are its too."""
    ev = (ROOT / "docs" / "eval" / "eval.md").read_text()
    assert _rows(README, "SMPLify baseline") == _rows(ev, "optimisation baseline")
    ratio = re.search(r"detected 2D joints.*?(\d+\.\d) vs (\d+\.\d) mm PA-MPJPE \(ratio (\d\.\d\d)\); "
                      r"(\d\.\d+) vs (\d\.\d+) s per image \(the network (\d+\.\dx faster)\)", ev)
    assert ratio is not None
    net, base, r, t_net, t_base, speed = ratio.groups()
    assert f"network {net} vs {base} mm PA-MPJPE, ratio **{r}**" in FLAT
    assert f"{t_net} vs {t_base} s per image (the network {speed})" in FLAT


def test_commands_do_not_overwrite_the_hand_written_reports():
    for report in ("docs/crowds.md", "docs/crowds_street.md"):
        assert f"--out {report}" not in README


def test_torchrun_is_the_virtual_environment_s():
    """As the other commands are `.venv/bin/python`: a bare `torchrun` is not on PATH."""
    assert re.search(r"(?<![/\w])torchrun --", README) is None and ".venv/bin/torchrun --nproc_per_node" in README


def test_the_python_example_runs_and_says_what_it_shows(tmp_path, monkeypatch):
    """The README's "From Python" block, run as written (in a scratch folder holding the photo it names): the
    second person's body, its joints in photo pixels on that person, the exported mesh."""
    import numpy as np
    import pytest

    from inference.detect import detector_available

    if not detector_available()[0]:
        pytest.skip("person detector not installed")
    block = re.search(r"### From Python\n.*?```python\n(.*?)```", README, re.S)
    assert block is not None
    (tmp_path / "resources" / "photos").mkdir(parents=True)
    (tmp_path / "resources" / "photos" / "two_people.jpg").symlink_to(ROOT / "resources" / "photos" / "two_people.jpg")
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    pred, cam, joints_px = scope["pred"], scope["cam"], scope["joints_px"]
    assert pred.person == 1 and scope["pose"].shape == (72,) and scope["betas"].shape == (10,)
    assert joints_px.shape == (24, 2) and scope["joints"].shape == (24, 3)
    x0, y0, x1, y1 = pred.people[1].box
    upper = joints_px[[0, 3, 6, 9, 12, 15, 16, 17]]  # pelvis, spine, neck, head, shoulders: a half-length photo's
    assert ((upper[:, 0] >= x0) & (upper[:, 0] <= x1) & (upper[:, 1] >= y0) & (upper[:, 1] <= y1)).all()
    np.testing.assert_allclose(cam.project(scope["joints"]), joints_px, atol=1e-3)
    assert (tmp_path / "out" / "person2.obj").stat().st_size > 100_000
    from inference.export import load_params_file

    back = load_params_file(tmp_path / "out" / "person2_body.pkl", scope["p"].body_model)
    np.testing.assert_allclose(back.photo.joints2d, joints_px, atol=1e-3)  # the photo's camera, as predict writes
