"""The OpenMP spin setting (inference/openmp.py): set before torch loads, never over a user's value. Its effect on
speed is a benchmark's (scripts/bench_inference.py prints the value it ran with), not a test's."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_the_spin_is_set_before_torch_loads_and_a_users_value_wins():
    show = "import os; print(shorten_openmp_spin(), os.environ.get('GOMP_SPINCOUNT'))"
    first = "from inference.openmp import shorten_openmp_spin; "
    assert _run(first + show) == ["True", "30000"]
    assert _run(first + show, GOMP_SPINCOUNT="5") == ["True", "5"]
    assert _run("import torch; " + first + show) == ["False", "None"]


def test_the_command_line_sets_the_spin_before_any_command_imports_torch():
    out = _run("import sys, os; from cli.main import main; main(['--help']); "
               "print('torch' in sys.modules, os.environ.get('GOMP_SPINCOUNT'))")
    assert out[-2:] == ["False", "30000"]
