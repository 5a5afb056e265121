"""`predict` folders, regressions a reviewer found (helper-65), with the real detector (`detecting_predictor`)."""
from __future__ import annotations

import csv
import shutil

from cli.main import main
from inference.export_gltf import glb_pack, glb_unpack
from inference.paths import RESOURCES

PHOTOS = RESOURCES / "photos"


def test_a_rerun_keeps_a_scene_file_it_did_not_write(tmp_path, capsys, detecting_predictor):
    """Never --box. --all-people wrote two_people_scene.glb; the user re-saved it from Blender with their own node
    names. At 3cfa7c3 an --all-people rerun skipped the finished image and left the file alone (nothing of the
    image was written); now `scene_stale` calls it stale and replaces it: the user's file is lost, and the run
    loads the body model and reports the image as done."""
    photo, out = PHOTOS / "two_people.jpg", tmp_path / "out"
    cmd = ["predict", str(photo), "--out", str(out), "--all-people", "--no-refine"]
    assert main(cmd) == 0
    scene = out / "two_people_scene.glb"
    doc, blob = glb_unpack(scene.read_bytes())
    for node in doc["nodes"]:
        if "mesh" in node:
            node["name"] = {"person 1": "Astronaut", "person 2": "Grace"}[node["name"]]
    mine = glb_pack(doc, blob)
    scene.write_bytes(mine)
    capsys.readouterr()
    assert main(cmd) == 0
    text = capsys.readouterr().out
    assert scene.read_bytes() == mine, text
    assert "1 finished before (skipped)" in text, text


def test_a_plain_rerun_writes_more_formats_after_a_box_around_the_searchs_person(tmp_path, capsys,
                                                                                  detecting_predictor):
    """camera.png: the first command boxes the camera man, whom the search finds too (person 1, NAME). A plain
    rerun with more --mesh-formats should write camera.ply (the search finds him; at 3cfa7c3 it did). Now
    `finished` takes NAME for a boxed person beyond the search (`searched` is None without --all-people) and skips
    the image: no .ply, and no note either."""
    photo, out = tmp_path / "camera.png", tmp_path / "out"
    shutil.copy(PHOTOS / "camera.png", photo)
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "0", "0", "512", "512"]) == 0
    assert "person 1 (the one in the box)" in capsys.readouterr().out
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--mesh-formats", "obj,glb,ply"]) == 0
    text = capsys.readouterr().out
    assert (out / "camera.ply").is_file(), text


def test_a_photo_named_like_person_1_keeps_its_people_in_the_table(tmp_path, capsys, detecting_predictor):
    """Never --box: team_p1.jpg (two people) with plain predict, then another photo into the folder: the table's
    team_p1 row says 2 people at 3cfa7c3, 1 now (merge_rows splits 'team_p1' as person 1 of an image 'team')."""
    photo, out = tmp_path / "team_p1.jpg", tmp_path / "out"
    shutil.copy(PHOTOS / "two_people.jpg", photo)
    assert main(["predict", str(photo), "--out", str(out), "--no-refine"]) == 0
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["output"], r["people"]) for r in rows] == [("team_p1", "2")]
    assert main(["predict", str(PHOTOS / "camera.png"), "--out", str(out), "--no-refine"]) == 0
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["output"], r["people"]) for r in rows] == [("camera", "1"), ("team_p1", "2")]


def test_no_box_note_for_a_person_the_search_finds(tmp_path, capsys, detecting_predictor):
    """camera.png boxed first (the search finds the man too: person 1). `--all-people` with more formats writes
    camera.ply itself (the search finds him), yet `_note_boxed_short` first tells the user to run a --box command
    to write it."""
    photo, out = tmp_path / "camera.png", tmp_path / "out"
    shutil.copy(PHOTOS / "camera.png", photo)
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--box", "0", "0", "512", "512"]) == 0
    capsys.readouterr()
    assert main(["predict", str(photo), "--out", str(out), "--no-refine", "--all-people",
                 "--mesh-formats", "obj,glb,ply"]) == 0
    text = capsys.readouterr().out
    assert (out / "camera.ply").is_file(), text
    assert "note:" not in text, text


def test_a_person_whose_name_changed_is_not_left_behind_twice(tmp_path, capsys, detecting_predictor):
    """`--all-people --person 2` writes person 2 as two_people and person 1 as two_people_p1; an `--all-people
    --overwrite` run then writes person 1 as two_people and person 2 as two_people_p2, and two_people_p1 stayed:
    three fits of a two-person photo, person 1 twice in summary.csv."""
    photo, out = PHOTOS / "two_people.jpg", tmp_path / "out"
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--person", "2", "--no-refine"]) == 0
    assert (out / "two_people_p1.npz").is_file()
    capsys.readouterr()
    assert main(["predict", str(photo), "--out", str(out), "--all-people", "--overwrite", "--no-refine"]) == 0
    assert "removed two_people_p1 (an earlier copy of person 1, whose outputs are two_people now)" in \
        capsys.readouterr().out
    assert sorted(p.name for p in out.glob("*.npz")) == ["two_people.npz", "two_people_p2.npz"]
    assert not list(out.glob("two_people_p1*"))
    with open(out / "summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["output"], r["person"], r["status"]) for r in rows] == [("two_people", "1", "done"),
                                                                       ("two_people_p2", "2", "done")]
