"""Ground truth and prediction of one dataset case as two rotatable 3D views side by side, turning together,
the prediction coloured by its per-vertex error (distance to the ground truth after a Procrustes alignment,
inference.metrics.vertex_errors_mm) on a fixed colour scale, so cases can be compared with each other; a refined
prediction can be switched to the fitting network's own body (did the refinement help this case?)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.session import Fit

from .mesh_view import MeshView
from .render_host import RenderHost, legend_albedo

SCALE_MM = 150.0  # the top of the colour scale: errors beyond it are drawn in its last colour
# the colour ramp, (position 0..1, RGB): blue (small) -> cyan -> yellow -> red (large)
RAMP = ((0.0, (40, 70, 190)), (0.33, (40, 190, 210)), (0.66, (250, 215, 40)), (1.0, (215, 30, 30)))


def error_colors(errors_mm: np.ndarray, scale_mm: float = SCALE_MM) -> np.ndarray:
    """Per-vertex errors (V,) in mm -> (V, 3) float32 albedos of the ramp's colours from 0 to scale_mm
    (`legend_albedo`: the lit body shows the colours of the scale drawn beside it)."""
    t = np.clip(np.nan_to_num(np.asarray(errors_mm, np.float64), nan=0.0) / scale_mm, 0.0, 1.0)
    xs = np.array([x for x, _ in RAMP])
    rgb = np.stack([np.interp(t, xs, [c[k] for _, c in RAMP]) for k in range(3)], axis=1)
    return legend_albedo(rgb / 255.0)


class ErrorScale(QWidget):
    """The colour ramp with its millimetre ticks, which fit is shown and its mean and largest error."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.errors: np.ndarray | None = None
        self.fit = ""  # the fit whose errors are shown ("Refined fit" / "Network fit"; "" unnamed)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() * 2 + 14)
        self.setToolTip("Each predicted vertex's distance to the ground truth after a Procrustes alignment of "
                        f"the whole mesh (scale, rotation, translation; as PA-PVE); {SCALE_MM:.0f} mm and more "
                        "in the last colour")

    def set_errors(self, errors_mm: np.ndarray | None, fit: str = "") -> None:
        """errors_mm (V,) of the fit named `fit` (its caption), or None."""
        self.errors = None if errors_mm is None else np.asarray(errors_mm, np.float64)
        self.fit = fit
        self.update()

    def captions(self) -> tuple[str, str]:
        """The scale's label (which fit's error) and the line under it (the mean and largest error; "" without)."""
        label = f"{self.fit.lower()}'s vertex error" if self.fit else "vertex error after alignment"
        e = self.errors
        return label, f"mean {e.mean():.0f} · max {e.max():.0f} mm" if e is not None and e.size else ""

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, self.height())

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        fm = p.fontMetrics()
        lh = fm.height()
        label, numbers = self.captions()
        # the column left of the ramp holds the label and, under it, the numbers: as wide as the wider of them (as
        # wide as the label, "mean 147 · max 443 mm" lost its first letter and ran into the ramp's "0")
        lw = max(fm.horizontalAdvance(label), fm.horizontalAdvance(numbers) if numbers else 0) + 10
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
        if numbers:
            e = self.errors
            p.drawText(QRectF(0, bar.bottom() + 2, lw - 6, lh), Qt.AlignmentFlag.AlignRight, numbers)
            p.setPen(QColor(0, 0, 0))
            x = bar.left() + min(1.0, e.mean() / SCALE_MM) * bar.width()
            p.drawLine(int(x), int(bar.top()) - 1, int(x), int(bar.bottom()) + 1)
        p.end()


GT_MESH_HINT = "The case's ground-truth body appears here once a case is selected."
PRED_MESH_HINT = "The predicted body appears here once the selected case is scored."
FITS = (("Refined fit", Fit.REFINED), ("Network fit", Fit.NETWORK))  # the fit boxes' items: here and the 3D pane's
FIT_TIP = ("Which predicted body to show and colour by its error: the refined fit or the fitting network's own "
           "answer (did the refinement help this case?)")


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
    truth and coloured by its per-vertex error (the check box switches to its skin). A refined prediction comes
    with the network's own body: the fit box above it switches between the two (the choice stays for the next
    case with both)."""

    def __init__(self, host: RenderHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.gt = _LinkedMeshView(host, name="ground-truth 3D body")
        self.pred = _LinkedMeshView(host, name="predicted 3D body")
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
        self.fit = QComboBox()
        for text, data in FITS:
            self.fit.addItem(text, data)
        self.fit.setEnabled(False)
        self.fit.activated.connect(lambda _: self._choose_fit(self.fit.currentData()))
        self._chosen = Fit.REFINED  # the user's choice, for cases with both fits
        # (aligned mesh, its errors (V,) or None) of each fit; one fit: the network's only
        self._fits: dict[Fit, tuple] = {}
        self._errors: np.ndarray | None = None
        views = QHBoxLayout()
        for title, view in (("GT mesh", self.gt), ("Predicted mesh (aligned to GT)", self.pred)):
            box = QVBoxLayout()
            box.setSpacing(1)
            head = QHBoxLayout()
            label = QLabel(title)
            label.setMinimumHeight(self.fit.sizeHint().height())  # both views start at the same height
            head.addWidget(label, 1)
            if view is self.pred:
                head.addWidget(self.fit)
            box.addLayout(head)
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

    def set_meshes(self, gt_mesh, pred_mesh, errors_mm: np.ndarray | None, network_mesh=None,
                   network_errors_mm: np.ndarray | None = None, one_fit: str = "") -> None:
        """Ground-truth and (aligned) predicted BodyMesh, either None; errors_mm (V,) of the prediction. Both
        views are framed on the ground truth from the front, so the two bodies are drawn at the same scale.
        network_mesh, network_errors_mm (V,): the fitting network's own body (aligned) when the prediction is the
        refined fit; without it the prediction is the only fit, the network's, and the fit box is greyed out
        with one_fit (why there is one) as its tooltip."""
        if network_mesh is not None and pred_mesh is not None:
            self._fits = {Fit.REFINED: (pred_mesh, errors_mm), Fit.NETWORK: (network_mesh, network_errors_mm)}
        else:
            self._fits = {Fit.NETWORK: (pred_mesh, errors_mm)}
        both = len(self._fits) == 2
        self.fit.setEnabled(both)
        self.fit.setToolTip(FIT_TIP if both or not one_fit else one_fit)
        which = self._chosen if both else Fit.NETWORK
        self.fit.setCurrentIndex(self.fit.findData(which))
        shown, _ = self._fits[which]
        self.gt.set_mesh(gt_mesh, reframe=True)
        self.pred.set_mesh(shown, reframe=True)
        if gt_mesh is not None and shown is not None:
            self.pred.set_mesh(gt_mesh, reframe=True)  # the ground truth's framing for both ...
        self._show_fit(which)  # ... then the prediction in it

    @property
    def shown_fit(self) -> Fit:
        """The fit in the predicted view (the box's data comes back from Qt as the name)."""
        return Fit(self.fit.currentData())

    def _choose_fit(self, which: str) -> None:
        """The user's pick in the fit box (its data, the fit's name; kept for the next case with both fits)."""
        which = Fit(which)
        self._chosen = which
        if which in self._fits:
            self._show_fit(which)

    def _show_fit(self, which: Fit) -> None:
        """One fit's body in the predicted view (in the view's framing: the turn and zoom stay) and its errors."""
        mesh, errors = self._fits[which]
        if mesh is not None:
            self.pred.set_mesh(mesh)
        self._errors = errors
        self.scale.set_errors(errors, self.fit.itemText(self.fit.findData(which)))
        self._apply_colors()

    def _apply_colors(self) -> None:
        show = self.by_error.isChecked() and self._errors is not None
        self.pred.set_vertex_colors(error_colors(self._errors) if show else None)
        self.scale.setVisible(self._errors is not None)

    def render_now(self) -> None:
        """Draw both views now and wait (screenshots, tests)."""
        self.gt.render_frame()
        self.pred.render_frame()
