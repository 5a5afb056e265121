"""No widget stores an attribute under the name of a Qt method: PySide6 then calls the attribute where Qt calls
the virtual method (`self.metric = QComboBox()` on a QWidget made every grab of it a segfault, as Qt asks
`metric()` for the device pixel ratio)."""
import ast
from pathlib import Path

from PySide6.QtWidgets import QWidget

ROOT = Path(__file__).resolve().parents[2]


def _qwidget_classes(tree: ast.Module, widget_names: set[str]) -> list[ast.ClassDef]:
    """Classes of a module whose bases name a Qt widget class (QWidget, QFrame, QMainWindow, ...) or a widget
    class defined in widgets/."""
    return [c for c in ast.walk(tree) if isinstance(c, ast.ClassDef)
            and any(isinstance(b, ast.Name) and (b.id in widget_names) for b in c.bases)]


def test_no_widget_attribute_hides_a_qt_method():
    import PySide6.QtWidgets as qw

    qt_widgets = {n for n in dir(qw) if isinstance(getattr(qw, n), type) and issubclass(getattr(qw, n), QWidget)}
    ours = set()
    for f in sorted((ROOT / "widgets").glob("*.py")):  # our widget classes, for subclasses of them
        ours |= {c.name for c in ast.walk(ast.parse(f.read_text())) if isinstance(c, ast.ClassDef)}
    hidden = []
    for f in sorted((ROOT / "widgets").glob("*.py")):
        tree = ast.parse(f.read_text())
        for cls in _qwidget_classes(tree, qt_widgets | ours):
            for node in ast.walk(cls):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                    node, ast.AnnAssign) else []
                for t in targets:
                    if (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                            and callable(getattr(QWidget, t.attr, None))):
                        hidden.append(f"{f.name}:{node.lineno} {cls.name}.{t.attr}")
    assert not hidden, hidden
