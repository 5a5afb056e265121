"""A weights folder's JSON files nested beyond the JSON reader's depth (a crafted or damaged models.json, a training
run's config.json) are named in the readers' words, not raised as a RecursionError traceback (sweep158 finding 7)."""
from pathlib import Path

import pytest

from inference.integrity import MANIFEST, ModelFileError, read_manifest
from inference.weights_folder import training_run_problem

DEEP = "[" * 100_000 + "]" * 100_000


def test_a_manifest_nested_too_deeply_is_a_model_file_error(tmp_path: Path):
    (tmp_path / MANIFEST).write_text(DEEP)
    with pytest.raises(ModelFileError, match="nested too deeply to be read"):
        read_manifest(tmp_path)


def test_a_run_config_nested_too_deeply_still_names_the_run(tmp_path: Path):
    (tmp_path / "best.pt").write_bytes(b"x")
    (tmp_path / "config.json").write_text(DEEP)
    said = training_run_problem(tmp_path, checkout=True)
    assert said is not None and "training run" in said and "package_weights.py" in said
