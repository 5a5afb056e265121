"""Inspection controls: 10 shape sliders with the body's live height and estimated weight, global
orientation, per-joint rotation, reset and undo, and what is known about the prediction (fit quality).

Each beta's tooltip says what +1 of it does on the body model in use (inference.body_measure, measured
by the controller's loader thread with the body model: Controller.beta_effects). Height and weight are
measured in the rest pose from the betas alone (one small matrix product on the cached shape basis, no
body-model forward), coalesced like the re-posing.

The inspector reads and writes BodyParams through the controller; angles go through
app.pose_edit (Euler degrees <-> axis-angle). Sliders are refreshed from the session under
QSignalBlocker so they never echo an edit back.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app import pose_edit

from .quality_badge import WARN_COLOR, readable, soft_text

BETA_STEPS = 100  # slider units per beta unit
# the global orientation's sliders (app.pose_edit: y, then x, then z)
ORIENT_TIPS = {"y": "turn the body about the vertical (180: seen from behind)",
               "x": "lean the body forwards or back", "z": "tilt the body sideways"}


class ValueSlider(QWidget):
    """A horizontal slider with a value label; value() in float units.

    It holds the true value, which may lie beyond the slider's range (a parameter file's beta of 5 on a ±3
    slider) or between its steps (a fitted angle of -78.65° on a 1° slider): the label shows it, the handle
    rests at the nearest place it can. A step (arrow key, page key, wheel) from a value beyond the range moves
    from that value (5.00 -> 4.99), not from the range's end; a drag sets the value under the handle."""

    valueChanged = Signal(float)
    released = Signal()

    def __init__(self, lo: float, hi: float, steps_per_unit: float, fmt: str, parent: QWidget | None = None,
                 name: str = ""):
        super().__init__(parent)
        self.k = steps_per_unit
        self.fmt = fmt
        self.slider = QSlider(Qt.Orientation.Horizontal)
        # a screen reader reads the QSlider's integer position (β2 = -0.14 as "-14"): the name says what it moves
        # and the description carries the value as the label shows it
        self.slider.setAccessibleName(name)
        self.slider.setRange(int(round(lo * self.k)), int(round(hi * self.k)))
        self.slider.setMinimumWidth(120)
        self.label = QLabel()
        self.label.setMinimumWidth(46)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self._value = self.slider.value() / self.k
        self._pos = self.slider.value()  # the handle's place when the value was last set
        self._absolute = False  # set_value: the value is the handle's place, as a drag gives
        self.slider.valueChanged.connect(self._changed)
        self.slider.sliderReleased.connect(self.released)
        self._show()

    def _beyond(self, v: float) -> bool:
        return not self.slider.minimum() <= round(v * self.k) <= self.slider.maximum()

    def _show(self) -> None:
        v = self._value
        # at the slider's resolution, and + 0.0 so that -0.3° reads "+0°" (not "-0°"), as the handle's place would
        text = self.fmt.format(round(v * self.k) / self.k + 0.0)
        self.label.setText(text)
        self.slider.setAccessibleDescription(text)
        beyond = self._beyond(v)
        pal = self.palette()
        colour = readable(WARN_COLOR, pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.WindowText))
        self.label.setStyleSheet(f"color: {colour.name()};" if beyond else "")
        lo, hi = self.slider.minimum() / self.k, self.slider.maximum() / self.k
        self.label.setToolTip(f"beyond the slider's range ({lo:g} to {hi:g}): a step moves from this value, a drag "
                              "sets the value under the handle" if beyond else "")

    def _place(self) -> None:
        """The handle at the value, or at the end of the range nearest to it."""
        with QSignalBlocker(self.slider):
            self.slider.setValue(int(round(self._value * self.k)))  # (QSlider clamps to its range)
        self._pos = self.slider.value()

    def _changed(self, pos: int) -> None:
        if self._beyond(self._value) and not (self._absolute or self.slider.isSliderDown()):
            self._value = self._value + (pos - self._pos) / self.k
            if self._beyond(self._value):
                self._place()
            else:
                self._pos = pos
        else:
            self._value = pos / self.k
            self._pos = pos
        self._show()
        self.valueChanged.emit(self._value)

    def value(self) -> float:
        return self._value

    def set_value_silently(self, v: float) -> None:
        self._value = float(v)
        self._place()
        self._show()

    def set_value(self, v: float) -> None:
        """As if the user dragged the handle there (emits valueChanged)."""
        self._absolute = True
        try:
            self.slider.setValue(int(round(v * self.k)))
        finally:
            self._absolute = False


class Inspector(QWidget):
    """Sliders bound to a controller (set_params / end_edit / undo / reset_to_prediction)."""

    jointSelected = Signal(int)

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.session = controller.session
        self.joint_names = controller.joint_names
        self._own_edit = False

        # shape
        shape = QGroupBox("Shape (betas)")
        form = QFormLayout(shape)
        form.setContentsMargins(6, 4, 6, 4)
        form.setVerticalSpacing(2)
        self.measures = QLabel("–")
        self.measures.setWordWrap(True)  # never widens the inspector
        self.measures.setToolTip("Height of the body standing straight and its weight estimated from the mesh "
                                 "volume at 1000 kg/m³ (rest pose, from the betas). A photo does not show a "
                                 "person's size: the refined body has the mean adult size (β1 at 0), and the "
                                 "network's own fit (N) the size it guessed")
        form.addRow(self.measures)
        self.betas = []
        self.beta_labels = []
        lo, hi = pose_edit.BETA_RANGE
        for i in range(10):
            s = ValueSlider(lo, hi, BETA_STEPS, "{:+.2f}", name=f"shape beta {i + 1}")
            s.valueChanged.connect(lambda v, i=i: self._beta_changed(i, v))
            s.released.connect(controller.end_edit)
            label = QLabel(f"β{i + 1}")
            label.setBuddy(s.slider)
            form.addRow(label, s)
            self.betas.append(s)
            self.beta_labels.append(label)
        self._body = None  # the GUI-thread body model, as the controller announces it (bodyModelChanged)
        self.measure_values = None
        self._measured_betas = None
        self._measure_timer = QTimer(self)
        self._measure_timer.setSingleShot(True)
        self._measure_timer.setInterval(30)
        self._measure_timer.timeout.connect(self._update_measures)

        # global orientation
        orient = QGroupBox("Global orientation (°)")
        form = QFormLayout(orient)
        form.setContentsMargins(6, 4, 6, 4)
        form.setVerticalSpacing(2)
        self.orient = self._angle_sliders(form, 0)

        # joint
        joint = QGroupBox("Joint rotation (°)")
        form = QFormLayout(joint)
        form.setContentsMargins(6, 4, 6, 4)
        form.setVerticalSpacing(2)
        self.joint_box = QComboBox()
        for j, name in enumerate(self.joint_names[1:], start=1):
            self.joint_box.addItem(name.replace("_", " "), j)
        self.joint_box.setToolTip("or click a joint in the 3D view")
        form.addRow("joint", self.joint_box)
        self.joint = self._angle_sliders(form, None)
        self.joint_box.currentIndexChanged.connect(self._joint_changed)
        self._name_joint_sliders()

        # buttons
        # short labels: the three side by side fit the pane at 1280 x 720 (the names are in the tooltips); "Reset body"
        # tells this button from the 3D pane's "Reset view" beside it
        self.reset_button = QPushButton("Reset body")
        self.reset_button.setToolTip("Reset to the prediction (Ctrl+R)")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Undo the last edit (Ctrl+Z)")
        self.redo_button = QPushButton("Redo")
        self.redo_button.setToolTip("Redo the edit undone last (Ctrl+Shift+Z)")
        self.redo_button.clicked.connect(controller.redo)
        self.reset_button.clicked.connect(controller.reset_to_prediction)
        self.undo_button.clicked.connect(controller.undo)
        buttons = QHBoxLayout()
        for b in (self.reset_button, self.undo_button, self.redo_button):
            # below the style's 80 px least button, but never cutting the label: three fit a 240 px pane
            b.setMinimumWidth(max(48, b.fontMetrics().horizontalAdvance(b.text()) + 16))
            buttons.addWidget(b)

        info = QGroupBox("Prediction")
        il = QVBoxLayout(info)
        il.setContentsMargins(6, 4, 6, 4)
        self.info = QLabel("–")
        self.info.setWordWrap(True)
        # selectable from the keyboard too (Tab reaches it, Shift+arrows select, Ctrl+C copies)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        il.addWidget(self.info)

        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(shape)
        lay.addWidget(orient)
        lay.addWidget(joint)
        lay.addLayout(buttons)
        lay.addWidget(info)
        lay.addStretch(1)
        self.scroll_area = scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.session.paramsChanged.connect(self._refresh)
        self.session.paramsChanged.connect(lambda _p: self._measure_timer.start())
        self.session.predictionChanged.connect(self._show_info)
        # the rows describe the body on screen: a switch between the refined and the network's fit (N), or an edit
        self.session.paramsChanged.connect(lambda _p: self._show_info(self.session.prediction))
        self.session.qualityChanged.connect(lambda _q: self._show_info(self.session.prediction))
        controller.bodyModelChanged.connect(self._explain_betas)
        self._lost_focus = None  # (control, where Qt put the focus, controls near it): see _keeping_focus
        self.session.undoChanged.connect(lambda on: self._keeping_focus(
            lambda: self.undo_button.setEnabled(on), near=(self.redo_button, self.reset_button)))
        self.undo_button.setEnabled(False)
        self.session.redoChanged.connect(lambda on: self._keeping_focus(
            lambda: self.redo_button.setEnabled(on), near=(self.undo_button, self.reset_button)))
        self.redo_button.setEnabled(False)
        self._refresh(self.session.params)
        if controller.body_model() is not None:  # loaded before this inspector was made
            self._explain_betas(controller.body_model())

    # ---------------------------------------------------------------- meaning of the shape

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """As wide as the rows inside need: the scroll area scrolls only vertically, so a splitter that made the pane
        narrower (a 1000 px window) cut the sliders' values and the prediction's numbers off at its right edge."""
        hint = super().minimumSizeHint()
        scroll = self.scroll_area
        need = (scroll.widget().minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                + 2 * scroll.frameWidth())
        return QSize(max(hint.width(), need), hint.height())
    def _explain_betas(self, body) -> None:
        """Tooltips of the beta sliders from what +1 of each does on this body model (measured off the GUI
        thread when it loaded: 0.1-0.2 s); a body model without a shape basis leaves plain labels."""
        self._body = body
        self._measured_betas = None
        tips = {e.index: e.text() for e in self.controller.beta_effects}
        for i, (label, slider) in enumerate(zip(self.beta_labels, self.betas)):
            label.setToolTip(tips.get(i, ""))  # never the previous body model's
            slider.setToolTip(tips.get(i, ""))
        self._measure_timer.start()
        self._show_info(self.session.prediction)  # its "body model" row (a result may come before the model)

    def _update_measures(self) -> None:
        """Height and estimated weight of the current betas (only when they changed)."""
        from inference.body_measure import measure

        params = self.session.params
        body = self._body  # as announced by bodyModelChanged (it loads in the controller's loader thread)
        if params is None or body is None:
            self.measures.setText("–")
            self._measured_betas = None
            return
        key = (id(body), tuple(np.round(np.asarray(params.betas, np.float64), 4)))
        if key == self._measured_betas:
            return
        self._measured_betas = key
        try:
            m = measure(body, params.betas)
        except Exception:  # noqa: BLE001
            self.measures.setText("–")
            return
        self.measure_values = m
        self.measures.setText(f"<b>{m.height_m * 100:.0f} cm</b> tall · <b>~{m.mass_kg:.0f} kg</b> "
                              f"<span style='color:{soft_text(self.palette()).name()}'>"
                              f"({m.volume_m3 * 1000:.0f} litres; waist "
                              f"{m.waist_m * 100:.0f} cm)</span>")

    def _show_info(self, pred) -> None:
        if pred is None:
            self.info.setText("–")
            return
        shown = self.session.shown
        h, w = pred.image.shape[:2]
        body = self.controller.body_model()
        params = self.session.params if self.session.params is not None else pred.params  # the body on screen
        soft = soft_text(self.palette()).name()
        rows = [
            ("image", f"{shown.name if shown else pred.source} ({w} × {h})"),
            ("crop", f"{pred.crop.size} px at ({pred.crop.offset[0]:.0f}, {pred.crop.offset[1]:.0f}), "
                     f"{1 / pred.crop.scale:.2f} image px per crop px"),
            ("camera", f"focal {pred.camera.focal:.0f} px on a {pred.camera.size} px crop, "
                       f"body at {-float(params.transl[2]):.1f} m <span style='color:{soft}'>(for NBF's narrow "
                       f"lens, not the real distance)</span>"),
            ("person", _person_text(pred)),
            ("parts", _parts_text(pred)),
            ("body model", body.name if body is not None else "?"),
            ("refined", _refined_text(pred, self.controller.config.refine, self.controller.shown_fit())),
        ]
        if pred.params_file:  # read from a parameter file: no person search, no part map, nothing refined
            rows[3:5] = [("parameters", Path(pred.params_file).name), ("parts", "none (parameters only)")]
            rows[-1] = ("refined", "as the file holds it")
            if pred.source == pred.params_file:  # no photo found: a blank canvas stands in for it
                rows[0] = ("image", f"no photo ({w} × {h} blank)")
        q = self.session.quality
        pal = self.palette()
        window, text = pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.WindowText)
        if q is not None:  # (in the verdict's hue, as dark or light as the palette needs to be read: quality_badge)
            rows.insert(0, ("fit", f"<b style='color:{readable(q.color, window, text).name()}'>{q.summary()}</b>"))
            rows[4:4] = list(q.details())
            warn = readable(WARN_COLOR, window, text).name()
            rows += [("warning", f"<span style='color:{warn}'>{w}</span>") for w in q.warnings]
        self.info.setText("<table>" + "".join(f"<tr><td style='color:{soft};padding-right:6px'>{k}</td>"
                                              f"<td>{v}</td></tr>" for k, v in rows) + "</table>")

    def _angle_sliders(self, form: QFormLayout, fixed_joint: int | None) -> list[ValueSlider]:
        out = []
        axes = pose_edit.euler_order(fixed_joint if fixed_joint is not None else 1)
        for a, (lo, hi) in zip(axes, pose_edit.ANGLE_RANGES):
            what = "body orientation" if fixed_joint == 0 else "joint rotation"
            s = ValueSlider(lo, hi, 1.0, "{:+.0f}°", name=f"{what} {a} (degrees)")
            if fixed_joint == 0:  # the whole body: say what each does (its order is not x-y-z)
                s.setToolTip(ORIENT_TIPS[a])
            s.valueChanged.connect(lambda v, fj=fixed_joint, k=len(out): self._angles_changed(fj, k, v))
            s.released.connect(self.controller.end_edit)
            label = QLabel(a)
            label.setBuddy(s.slider)
            form.addRow(label, s)
            out.append(s)
        return out

    # ---------------------------------------------------------------- state
    def current_joint(self) -> int:
        return int(self.joint_box.currentData())

    def select_joint(self, joint: int) -> None:
        """Show joint `joint` (1..23) in the joint editor; 0 (pelvis) means global orientation."""
        if joint <= 0:
            self.orient[0].slider.setFocus()
            return
        i = self.joint_box.findData(joint)
        if i >= 0:
            self.joint_box.setCurrentIndex(i)

    def _keeping_focus(self, change, near: tuple = ()) -> None:
        """Run `change`, which may disable the control that has the keyboard focus. Qt then moves the focus to
        the window's next control (Undo's last step: the tab bar) or to none (a slider while the next image loads),
        and a keyboard user starts again from the top. The focus comes back to that control once it is enabled
        again, or goes to the first enabled control of `near` (Undo spent: Redo), unless the user has put it
        somewhere else meanwhile."""
        focus = QApplication.focusWidget()
        mine = focus is not None and self.isAncestorOf(focus)
        change()
        if mine and not focus.isEnabled():
            self._lost_focus = (focus, QApplication.focusWidget(), near)
            QTimer.singleShot(0, self._give_focus_back)  # (after the signal that enables Redo, which comes next)

    def _give_focus_back(self) -> None:
        if self._lost_focus is None:
            return
        lost, went, near = self._lost_focus
        if QApplication.focusWidget() not in (went, None):  # the user has moved on
            self._lost_focus = None
            return
        for w in (lost, *near):
            if w.isEnabled() and w.isVisible():
                self._lost_focus = None
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        # nothing to take it yet (the next image still loading): _refresh tries again when the body arrives

    def _refresh(self, params) -> None:
        enabled = params is not None

        def enable() -> None:
            for w in (*self.betas, *self.orient, *self.joint, self.joint_box, self.reset_button):
                w.setEnabled(enabled)

        self._keeping_focus(enable)
        if enabled:
            self._give_focus_back()
        if params is None:  # nothing on screen: the sliders rest at zero rather than show the last body
            for s in (*self.betas, *self.orient, *self.joint):
                s.set_value_silently(0.0)
            return
        if self._own_edit:
            return
        for i, s in enumerate(self.betas):
            s.set_value_silently(float(params.betas[i]))
        for s, v in zip(self.orient, pose_edit.joint_euler(params, 0)):
            s.set_value_silently(float(v))
        self._refresh_joint(params)

    def _refresh_joint(self, params) -> None:
        for s, v in zip(self.joint, pose_edit.joint_euler(params, self.current_joint())):
            s.set_value_silently(float(v))

    def _name_joint_sliders(self) -> None:
        joint = self.joint_box.currentText()
        for s, a in zip(self.joint, pose_edit.euler_order(1)):
            s.slider.setAccessibleName(f"{joint} rotation {a} (degrees)")
            s.setToolTip(f"rotation of the {joint} about its {a} axis, in degrees (the joint is picked above or by "
                         "a click on it in the 3D view)")

    def _joint_changed(self, _index: int) -> None:
        self._name_joint_sliders()
        self.controller.end_edit()
        if self.session.params is not None:
            self._refresh_joint(self.session.params)
        self.jointSelected.emit(self.current_joint())

    # ---------------------------------------------------------------- edits
    def _edit(self, params, key) -> None:
        self._own_edit = True
        try:
            self.controller.set_params(params, merge_key=key)
        finally:
            self._own_edit = False

    def _beta_changed(self, i: int, v: float) -> None:
        p = self.session.params
        if p is not None:
            self._edit(pose_edit.with_beta(p, i, v), ("beta", i))

    def _angles_changed(self, fixed_joint: int | None, axis: int, value: float) -> None:
        """Slider `axis` of a joint moved to `value`: only that angle changes (the other sliders show whole
        degrees; read from them, the joint's other two angles would be rounded by every nudge)."""
        p = self.session.params
        if p is None:
            return
        j = 0 if fixed_joint == 0 else self.current_joint()
        deg = pose_edit.joint_euler(p, j)
        deg[axis] = value
        self._edit(pose_edit.with_joint_euler(p, j, deg), ("joint", j))


def _refined_text(pred, refine_on: bool, shown: str | None = "refined") -> str:
    """Whether the prediction was refined, which of its fits is on screen (shown: Controller.shown_fit(),
    None for an edited body), and why it was not refined when it was not."""
    if pred.refined:
        if shown == "network":
            return "yes, network fit shown (N: refined)"
        if shown is None:
            return "yes, body edited (N: the refined fit)"
        return "yes (to see the network's own fit: N)"
    if not refine_on:
        return "no (off in Settings)"
    if pred.person < 0:
        return "no (no detected person: nothing to refine against)"
    return "no (the refined pose was less likely than the network's, which was kept)"


def _parts_text(pred) -> str:
    """The parts row: the network's map on its square crop (the panel shows it warped onto the photo, whose size
    differs), a turned reading, and the legs left out of a half-length person's map."""
    text = f"{pred.parts.labels.shape[1]} × {pred.parts.labels.shape[0]} label map of the crop, shown on the photo"
    if pred.turn:
        text += f", read with the crop turned {pred.turn:+.0f}° (the person leans)"
    absent = set(pred.parts.absent)
    if absent:  # inference/unseen_legs.py: the detector puts the legs outside the photo
        legs = "legs" if {5, 6} <= absent else "shins"
        text += f", no {legs} painted (the photo does not show them)"
    return text


def _person_text(pred) -> str:
    people = tuple(pred.people)
    k = pred.person
    if people and 0 <= k < len(people):
        return f"{k + 1} of {len(people)} detected ({people[k].score_text()})"
    return "whole image (no person detected)" if pred.searched else "whole image, as asked (no person search)"
