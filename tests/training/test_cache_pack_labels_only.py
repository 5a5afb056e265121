"""`python -m training.cache --pack` of a cache made with --labels-only crashed with "TypeError: 'NoneType' object
is not subscriptable" (it loaded no images and encoded them); now a one-line refusal, exit code 2, that says how
to make a cache with images, and --out is not made."""
from __future__ import annotations

from pathlib import Path

import pytest

from training.cache import main, pack_cache


@pytest.fixture(scope="module")
def labels_only(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cache") / "lc"
    assert main(["--out", str(out), "--n", "2", "--labels-only", "--workers", "1", "--shard", "2", "--res",
                 "32"]) == 0
    return out


def test_packing_a_labels_only_cache_is_refused_in_one_line(labels_only, tmp_path, capsys):
    capsys.readouterr()
    dst = tmp_path / "pack"
    assert main(["--pack", str(labels_only), "--out", str(dst), "--n", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --pack {labels_only} holds labels only") and "\n" not in err
    assert "without --labels-only" in err
    assert not dst.exists()


def test_pack_cache_itself_refuses_it(labels_only, tmp_path):
    with pytest.raises(ValueError, match="holds labels only"):
        pack_cache(labels_only, tmp_path / "pack", 2)
    assert not (tmp_path / "pack").exists()
