"""Photo names in the batch logs and summary.csv under a file-system encoding other than UTF-8 (PYTHONUTF8=0 with
LC_ALL=C reads file names as ASCII, a Latin-1 locale as Latin-1): the table holds the names' own bytes, and a
finished photo's rows are matched to it again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from inference.file_writes import name_from_text, name_to_text

ROOT = Path(__file__).resolve().parents[2]

# On-disk names: UTF-8 that is not ASCII, and bytes that are not UTF-8 (an old archive's photo)
NAMES = ("Müller/фото/写真.jpg".encode(), b"bad\xff\xfe.jpg")

SCRIPT = """
import json, os, sys
from pathlib import Path
from inference.batch_log import BatchLog, merge_summary
from inference.predict_outputs import SUMMARY, read_summary

root, names = Path(sys.argv[1]), json.loads(sys.argv[2])
images = [root / "in" / os.fsdecode(bytes.fromhex(n)) for n in names]
out = root / "out"
out.mkdir()
log = BatchLog(out, "rank0-of-1.csv", rank=0)
for image in images:
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"photo")
    (out / (image.stem + ".npz")).write_bytes(b"npz")
    log.write(image=str(image), output=image.stem, status="done", person=1, people=1)
log.close()
table = read_summary(merge_summary(out, images, [p.stem for p in images]))
print(json.dumps({"encoding": sys.getfilesystemencoding(),
                  "rows": [[r.status, r.image == str(p), r.output == p.stem] for r, p in zip(table, images)]}))
"""


def test_a_finished_photo_is_done_and_named_by_its_bytes_under_an_ascii_file_system_encoding(tmp_path):
    """PYTHONUTF8=0 LC_ALL=C: the photo's outputs were written and its log row said done, but summary.csv said
    'pending' (the row read back as UTF-8 was not the name the run held), also after a rerun."""
    env = {**os.environ, "PYTHONUTF8": "0", "LC_ALL": "C", "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONCOERCECLOCALE", None)
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), json.dumps([n.hex() for n in NAMES])],
                         env=env, cwd=ROOT, capture_output=True, text=True, errors="replace")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["encoding"] == "ascii"
    assert result["rows"] == [["done", True, True]] * len(NAMES)
    table = (tmp_path / "out" / "summary.csv").read_bytes()
    for name in NAMES:  # the names as the file system holds them, as under a UTF-8 locale
        assert bytes(tmp_path / "in") + b"/" + name in table
        assert b"," + Path(os.fsdecode(name)).stem.encode("utf-8", "surrogateescape") + b"," in table


def test_under_utf8_names_are_written_as_they_are():
    """A UTF-8 file-system encoding (the ordinary case): the text is the name itself, the files byte-identical."""
    for name in ("Müller/写真.jpg", os.fsdecode(b"bad\xff\xfe.jpg"), "plain.png"):
        assert name_to_text(name) == name
        assert name_from_text(name) == name
