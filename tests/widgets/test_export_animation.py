"""Export menu: the rigged body (skinned GLB) and the pose (BVH) through the same exporters as the CLI."""
from __future__ import annotations

import json
import struct

from tests.app.support import photo  # noqa: F401 - fixture
from tests.widgets.test_main_window import drop, wait_prediction


def test_export_menu_has_skinned_glb_and_bvh(qtbot, window, photo, tmp_path, monkeypatch):  # noqa: F811
    labels = [a.text() for a in window.export_actions]
    assert any("skinned GLB" in t for t in labels) and any("BVH" in t for t in labels)
    drop(window, [photo])
    wait_prediction(qtbot, window)
    monkeypatch.setattr(window, "ask_save_path", lambda *a: str(tmp_path / "me"))
    for suffix in ("_skinned.glb", ".bvh"):  # written in the export thread
        with qtbot.waitSignal(window.controller.exported, timeout=20000):
            assert window.export_dialog(suffix), window.banner.text
    data = (tmp_path / "me_skinned.glb").read_bytes()
    n = struct.unpack_from("<I", data, 12)[0]
    doc = json.loads(data[20:20 + n])
    assert len(doc["skins"][0]["joints"]) == 24 and doc["asset"]["extras"]["frame"] == "body"
    assert (tmp_path / "me.bvh").read_text().startswith("HIERARCHY")


def test_a_bare_export_name_gets_the_whole_suffix(qtbot, window, photo, tmp_path, monkeypatch):  # noqa: F811
    """"me" typed for UP-3D parameters writes me_body.pkl (it wrote me.pkl, which UP-3D's *_body.pkl readers
    miss), for the part map me_parts.png; a name typed with its extension is kept as typed."""
    drop(window, [photo])
    wait_prediction(qtbot, window)
    for typed, suffix, written in (("me", "_body.pkl", "me_body.pkl"), ("me", "_parts.png", "me_parts.png"),
                                   ("mine.pkl", "_body.pkl", "mine.pkl"), ("me", ".obj", "me.obj")):
        monkeypatch.setattr(window, "ask_save_path", lambda *a, t=typed: str(tmp_path / t))
        with qtbot.waitSignal(window.controller.exported, timeout=20000) as sig:
            assert window.export_dialog(suffix), window.banner.text
        assert sig.args[1] == str(tmp_path / written) and (tmp_path / written).is_file()
