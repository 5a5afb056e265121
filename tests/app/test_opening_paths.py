"""app/opening.py: the path a typed or pasted line names (`typed_path`, `paths_in_text`)."""
from __future__ import annotations

import os

import pytest

from app.opening import paths_in_text, typed_path


@pytest.mark.skipif(os.name != "posix", reason="a file name of any bytes is a POSIX file system's")
def test_a_file_url_of_a_name_that_is_not_utf8_names_that_file(tmp_path):
    """A file manager copies a file whose name is not UTF-8 as file:///...bad%FF%FE.jpg: the escapes are the
    name's bytes. Decoded as UTF-8 text they became U+FFFD, a name of no file, and the paste opened nothing."""
    folder = os.fsencode(tmp_path)
    try:
        with open(folder + b"/bad\xff\xfe.jpg", "wb"):
            pass
    except OSError:
        pytest.skip("this file system takes no such name")
    url = "file://" + str(tmp_path).replace(" ", "%20") + "/bad%FF%FE.jpg"
    assert os.fsencode(typed_path(url)) == folder + b"/bad\xff\xfe.jpg"
    assert [os.fsencode(p) for p in paths_in_text(url)] == [folder + b"/bad\xff\xfe.jpg"]
    assert typed_path("file:///tmp/mein%20bild.png") == "/tmp/mein bild.png"  # (UTF-8 escapes as before)
    assert typed_path("file:///tmp/%C3%BC.png") == "/tmp/ü.png"
