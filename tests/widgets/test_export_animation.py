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
