"""inference.errors: the traceback printer the app's threads use."""
from inference.errors import print_traceback


def _fails():
    return {"a": None}["a"]["b"]


def test_print_traceback_prints_the_handled_exception_as_the_interpreter_does(capsys):
    try:
        _fails()
    except TypeError:
        print_traceback()
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "in _fails" in err and err.rstrip().endswith("TypeError: 'NoneType' object is not subscriptable")
