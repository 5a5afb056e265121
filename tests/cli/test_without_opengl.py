"""A machine without a working offscreen OpenGL (helper-109's sweep, F2-F4): `predict` and the app's Run all write
every output, NAME_overlay.png saying that the mesh was not drawn, say so once, and a rerun finds them finished;
`export` exports; `render`, which has nothing else to do, says why in one line; the app starts. Before, each
printed a traceback and wrote nothing (the app refused to start). The backend is named by PYOPENGL_PLATFORM, here
one that does not exist (as a user who set it wrongly, or a library that does not load)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from inference.predict_outputs import output_paths
from tests.app.support import SAMPLE

ROOT = Path(__file__).resolve().parents[2]


def _main(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYOPENGL_PLATFORM="nogl", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_offscreen_problem_says_why_in_words(monkeypatch):
    from inference.render.context import offscreen_problem

    monkeypatch.setenv("PYOPENGL_PLATFORM", "nogl")
    assert offscreen_problem() == ("PYOPENGL_PLATFORM='nogl' is no offscreen OpenGL backend: unset it, or set it to "
                                   "egl or osmesa")
    monkeypatch.delenv("PYOPENGL_PLATFORM")
    assert offscreen_problem() == ""  # (this machine draws: configure_gl chooses a backend again)


def test_predict_without_opengl_writes_every_output_but_the_overlay(tmp_path):
    photo = tmp_path / "person.png"
    shutil.copy(SAMPLE, photo)
    out = tmp_path / "out"
    done = _main("predict", str(photo), "--out", str(out), "--no-refine")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("warning: PYOPENGL_PLATFORM='nogl' is no offscreen OpenGL backend") == 1
    assert "the mesh is not drawn over the photo (NAME_overlay.png says so)" in done.stderr
    assert "Traceback" not in done.stderr
    assert {q.name for q in output_paths(out / "person", ["obj", "glb"])} <= {q.name for q in out.iterdir()}
    again = _main("predict", str(photo), "--out", str(out), "--no-refine")  # finished: not fitted again
    assert again.returncode == 0 and "1 finished before" in again.stdout + again.stderr


def test_export_without_opengl_exports_and_render_says_why(tmp_path):
    done = _main("export", "--preset", "walk", "--out", str(tmp_path / "walk.obj"))
    assert done.returncode == 0 and (tmp_path / "walk.obj").stat().st_size > 0, done.stderr
    drawn = _main("render", "--preset", "walk", "--out", str(tmp_path / "walk.png"))
    assert drawn.returncode == 2 and "Traceback" not in drawn.stderr
    assert drawn.stderr.strip() == ("error: PYOPENGL_PLATFORM='nogl' is no offscreen OpenGL backend: unset it, or "
                                    "set it to egl or osmesa")
