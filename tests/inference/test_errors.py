"""inference.errors: the traceback printer the app's threads use."""
import traceback

from inference.errors import print_traceback


def _fails():
    return {"a": None}["a"]["b"]


def test_print_traceback_prints_the_handled_exception_as_the_interpreter_does(capsys, monkeypatch):
    def python_printer(*args, **kwargs):  # builds AST objects for its caret markers in 3.11 (gh-106905)
        raise AssertionError("the traceback module was used")

    monkeypatch.setattr(traceback, "print_exception", python_printer)
    monkeypatch.setattr(traceback, "print_exc", python_printer)
    try:
        _fails()
    except TypeError:
        print_traceback()
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "in _fails" in err and err.rstrip().endswith("TypeError: 'NoneType' object is not subscriptable")
    print_traceback()  # outside an except block: nothing to print
    assert capsys.readouterr().err == ""
