"""Edit > Fit a person the search missed…: the box typed as numbers, the keyboard's way to what Shift+drag on the
photo does (and the CLI's --box)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget


class PersonBoxDialog(QDialog):
    """Left, top, right, bottom of a box in the photo's pixels, started at `box` (the part of the photo the view
    shows: zoomed on the person, it is their box). `box()` after exec(): (x0, y0, x1, y1)."""

    def __init__(self, box: tuple[float, float, float, float], size: tuple[int, int], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Fit a person the search missed")
        w, h = size
        form = QFormLayout(self)
        note = QLabel("The box around the person, head to feet, in the photo's pixels (it starts as the part of the "
                      "photo the view shows: zoom in on the person first with + and -). With the mouse: Shift+drag "
                      "a box on the photo.")
        note.setWordWrap(True)
        form.addRow(note)
        self.spins = []
        for name, value, top in (("&Left", box[0], w), ("&Top", box[1], h), ("&Right", box[2], w),
                                 ("&Bottom", box[3], h)):
            spin = QSpinBox()
            spin.setRange(0, top)
            spin.setSuffix(" px")
            spin.setValue(int(round(min(max(value, 0), top))))
            spin.setAccessibleName(f"{name.replace('&', '').lower()} of the box (photo pixels)")
            label = QLabel(name)
            label.setBuddy(spin)
            form.addRow(label, spin)
            self.spins.append(spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Fit")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def box(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = (float(s.value()) for s in self.spins)
        return x0, y0, x1, y1
