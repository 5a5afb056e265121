"""Ground truth and prediction of one dataset case as two rotatable 3D views side by side, turning together,
the prediction coloured by its per-vertex error (distance to the ground truth after a Procrustes alignment,
app.dataset_runner.procrustes_errors) on a fixed colour scale, so cases can be compared with each other."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .mesh_view import MeshView
from .render_host import RenderHost

SCALE_MM = 150.0  # the top of the colour scale: errors beyond it are drawn in its last colour
# the colour ramp, (position 0..1, RGB): blue (small) -> cyan -> yellow -> red (large)
RAMP = ((0.0, (40, 70, 190)), (0.33, (40, 190, 210)), (0.66, (250, 215, 40)), (1.0, (215, 30, 30)))
SHADE = 0.75  # colours are darkened like the part colours, so the lit body looks like the scale


def error_colors(errors_mm: np.ndarray, scale_mm: float = SCALE_MM, shade: float = SHADE) -> np.ndarray:
    """Per-vertex errors (V,) in mm -> (V, 3) float32 RGB in [0, 1] on the ramp from 0 to scale_mm."""
    t = np.clip(np.nan_to_num(np.asarray(errors_mm, np.float64), nan=0.0) / scale_mm, 0.0, 1.0)
    xs = np.array([x for x, _ in RAMP])
    rgb = np.stack([np.interp(t, xs, [c[k] for _, c in RAMP]) for k in range(3)], axis=1)
    return (rgb / 255.0 * shade).astype(np.float32)


class ErrorScale(QWidget):
    """The colour ramp with its millimetre ticks and the shown case's mean and largest error."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.errors: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() * 2 + 14)
        self.setToolTip("Each predicted vertex's distance to the ground truth after a Procrustes alignment of "
                        f"the whole mesh (scale, rotation, translation; as PA-PVE); {SCALE_MM:.0f} mm and more "
                        "in the last colour")

    def set_errors(self, errors_mm: np.ndarray | None) -> None:
        self.errors = None if errors_mm is None else np.asarray(errors_mm, np.float64)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, self.height())

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        fm = p.fontMetrics()
        lh = fm.height()
        label = "vertex error after alignment"
        lw = fm.horizontalAdvance(label) + 10
        bar = QRectF(lw, 2, max(20, self.width() - lw - 24), lh)
        p.setPen(QColor(60, 60, 60))
        p.drawText(QRectF(0, 2, lw - 6, lh), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        grad = QLinearGradient(bar.left(), 0, bar.right(), 0)
        for x, c in RAMP:
            grad.setColorAt(x, QColor(*c))
        p.fillRect(bar, grad)
        p.drawRect(bar)
        for mm in np.arange(0, SCALE_MM + 1, 50):
            x = bar.left() + mm / SCALE_MM * bar.width()
            text = f"{mm:.0f}" + (" mm+" if mm == SCALE_MM else "")
            w = fm.horizontalAdvance(text)
            p.drawText(QRectF(min(x - w / 2, self.width() - w - 1), bar.bottom() + 2, w + 2, lh),
                       Qt.AlignmentFlag.AlignLeft, text)
        if self.errors is not None and self.errors.size:
            e = self.errors
            p.drawText(QRectF(0, bar.bottom() + 2, lw - 6, lh), Qt.AlignmentFlag.AlignRight,
                       f"mean {e.mean():.0f} · max {e.max():.0f} mm")
            p.setPen(QColor(0, 0, 0))
            x = bar.left() + min(1.0, e.mean() / SCALE_MM) * bar.width()
            p.drawLine(int(x), int(bar.top()) - 1, int(x), int(bar.bottom()) + 1)
        p.end()


GT_MESH_HINT = "The case's ground-truth body appears here once a case is selected."
PRED_MESH_HINT = "The predicted body appears here once the selected case is scored."


class _LinkedMeshView(MeshView):
    """A MeshView that reports its rotation, pan and zoom, to turn a partner view with it."""

    moved = Signal(str, float, float)  # "rotate" / "pan" / "zoom", and the gesture's amounts

    def follow(self, kind: str, a: float, b: float) -> None:
        """Repeat a partner's gesture here (without reporting it back)."""
        if kind == "rotate":
            MeshView.rotate(self, a, b)
        elif kind == "pan":
            MeshView.pan(self, a, b)
        elif kind == "zoom":
            MeshView.zoom(self, a)

    def rotate(self, dx: float, dy: float) -> None:
        super().rotate(dx, dy)
        self.moved.emit("rotate", dx, dy)

    def pan(self, dx: float, dy: float) -> None:
        super().pan(dx, dy)
        self.moved.emit("pan", dx, dy)

    def zoom(self, steps: float) -> None:
        super().zoom(steps)
        self.moved.emit("zoom", steps, 0.0)


class MeshPair(QWidget):
    """Ground-truth | predicted mesh, rotating together; the prediction Procrustes-aligned onto the ground
    truth and coloured by its per-vertex error (the check box switches to its skin)."""

    def __init__(self, host: RenderHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.gt = _LinkedMeshView(host)
        self.pred = _LinkedMeshView(host)
        for v in (self.gt, self.pred):
            v.setMinimumSize(140, 160)
            v.setToolTip("Left-drag: rotate both · right-drag: pan · wheel: zoom")
        self.gt.placeholder, self.pred.placeholder = GT_MESH_HINT, PRED_MESH_HINT
        self.gt.moved.connect(self.pred.follow)
        self.pred.moved.connect(self.gt.follow)
        self.scale = ErrorScale()
        self.by_error = QCheckBox("colour by error")
        self.by_error.setChecked(True)
        self.by_error.toggled.connect(lambda _: self._apply_colors())
        self._errors: np.ndarray | None = None
        views = QHBoxLayout()
        for title, view in (("GT mesh", self.gt), ("Predicted mesh (aligned to GT)", self.pred)):
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(QLabel(title))
            box.addWidget(view, 1)
            views.addLayout(box, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.scale, 1)
        bottom.addWidget(self.by_error)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(views, 1)
        lay.addLayout(bottom)

    def set_placeholders(self, gt_text: str, pred_text: str) -> None:
        """What each view says while it has no body (why there is none for the selected case)."""
        self.gt.placeholder, self.pred.placeholder = gt_text, pred_text
        self.gt.update()
        self.pred.update()

    def set_meshes(self, gt_mesh, pred_mesh, errors_mm: np.ndarray | None) -> None:
        """Ground-truth and (aligned) predicted BodyMesh, either None; errors_mm (V,) of the prediction. Both
        views are framed on the ground truth from the front, so the two bodies are drawn at the same scale."""
        self._errors = errors_mm
        self.gt.set_mesh(gt_mesh, reframe=True)
        self.pred.set_mesh(pred_mesh, reframe=True)
        if gt_mesh is not None and pred_mesh is not None:
            self.pred.set_mesh(gt_mesh, reframe=True)  # the ground truth's framing for both ...
            self.pred.set_mesh(pred_mesh)  # ... then the prediction in it
        self.scale.set_errors(errors_mm)
        self._apply_colors()

    def _apply_colors(self) -> None:
        show = self.by_error.isChecked() and self._errors is not None
        self.pred.set_vertex_colors(error_colors(self._errors) if show else None)
        self.scale.setVisible(self._errors is not None)

    def render_now(self) -> None:
        """Draw both views now and wait (screenshots, tests)."""
        self.gt.render_frame()
        self.pred.render_frame()
