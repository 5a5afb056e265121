"""`main.py gui`: headless hint without a display; arguments."""
import argparse

from cli import cmd_gui


def test_no_display_prints_hint_and_exits_2(monkeypatch, capsys, qtbot):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(cmd_gui.sys, "platform", "linux")
    p = argparse.ArgumentParser()
    cmd_gui.add_arguments(p, "gui")
    args = p.parse_args(["--device", "cpu", "a.png"])
    assert cmd_gui.run(args) == 2
    err = capsys.readouterr().err
    assert "QT_QPA_PLATFORM=offscreen" in err and "xvfb-run" in err and err.count("\n") == 1


def test_offscreen_counts_as_display():
    assert cmd_gui.has_display({"QT_QPA_PLATFORM": "offscreen"})
    assert cmd_gui.has_display({"DISPLAY": ":0"})
    assert not cmd_gui.has_display({})


def test_arguments():
    p = argparse.ArgumentParser()
    cmd_gui.add_arguments(p, "gui")
    a = p.parse_args(["--body-model", "SMPL_NEUTRAL.pkl", "x.png", "y.jpg"])
    assert a.body_model == "SMPL_NEUTRAL.pkl" and a.images == ["x.png", "y.jpg"] and a.device is None
