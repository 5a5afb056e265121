"""EGL_DEVICE_ID read by the offscreen context: a value that names no device is said in one line naming the
variable and the values it takes. Before, 'abc' and 7 were reported as a missing package to install, and -1
silently drew on the last device."""
from __future__ import annotations

import os

import pytest

from inference.render.context import egl_device_index, offscreen_problem


@pytest.mark.parametrize(("text", "count", "index"), [(None, 2, 0), ("", 1, 0), (" 1 ", 2, 1), ("3", 4, 3),
                                                      ("0", None, 0), ("0", 0, 0)])
def test_a_device_number_egl_lists_is_taken(text, count, index):
    assert egl_device_index(text, count) == index


@pytest.mark.parametrize(("text", "count", "message"), [
    ("abc", 2, "EGL_DEVICE_ID='abc' is not a device number (this machine has 2 EGL devices: set it to a number "
               "from 0 to 1, or unset it for 0)"),
    ("7", 2, "EGL_DEVICE_ID='7' names no EGL device (this machine has 2 EGL devices: set it to a number from 0 to "
             "1, or unset it for 0)"),
    ("-1", 1, "EGL_DEVICE_ID='-1' names no EGL device (this machine has 1 EGL device: set it to 0, or unset it)"),
    ("1", None, "EGL_DEVICE_ID='1' names no EGL device (EGL cannot list the devices here: set it to 0, or unset "
                "it)"),
    ("1.5", 0, "EGL_DEVICE_ID='1.5' is not a device number (this machine lists no EGL device: unset it)"),
])
def test_any_other_value_is_said_in_one_line(text, count, message):
    with pytest.raises(RuntimeError) as info:
        egl_device_index(text, count)
    assert str(info.value) == message


@pytest.mark.skipif(os.environ.get("PYOPENGL_PLATFORM") != "egl", reason="draws through EGL")
@pytest.mark.parametrize("value", ["abc", "7", "-1"])
def test_offscreen_problem_names_the_variable_not_a_package(monkeypatch, value):
    monkeypatch.setenv("EGL_DEVICE_ID", value)
    problem = offscreen_problem()
    assert problem.startswith(f"EGL_DEVICE_ID={value!r} ") and "install" not in problem
    assert "\n" not in problem
    monkeypatch.delenv("EGL_DEVICE_ID")
    assert offscreen_problem() == ""
