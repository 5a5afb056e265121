"""The photo pane (input image + mesh overlay through the predicted camera + the detected people,
with a picker when there are several) and the segmentation pane (predicted parts over the photo or
side by side, with a legend)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSlider, QVBoxLayout, QWidget

from inference.parts import colorize_rgba
from inference.render.overlay import image_camera

from .compare_meshes import FITS
from .flow_layout import FlowLayout
from .image_canvas import ImageCanvas
from .legend import PartLegend
from .people_list import PeopleList
from .people_overlay import paint_people, person_at
from .quality_badge import QualityBadge, soft_text, verdict_icon
from .render_host import RenderHost, RenderJob, fit_size

if TYPE_CHECKING:
    from inference.types import Prediction

OVERLAY_SETTLE_MS = 150  # the photo overlay follows edits when they pause this long
DETAIL_SETTLE_MS = 120  # a zoomed view's sharper photo and overlay are made when zooming and panning pause this long
# a zoomed view gets a sharper photo or overlay once its layer is shown this much larger than it was drawn (below
# that the difference does not show)
DETAIL_FROM = 1.25
DETAIL_MAX_PX = 4096  # the largest detail drawn (device px a side): a panel on a 4K screen

WELCOME = ("Drop a photo of a person here\n(or a folder of photos, or a dataset folder)\n\n"
           "File › Open… (Ctrl+O) · Edit › Paste image (Ctrl+V)")


def _opacity_slider(value: int, name: str, tip: str) -> QSlider:
    """name: what a screen reader calls it; the two panels' sliders were both "opacity of the overlay"."""
    s = QSlider(Qt.Orientation.Horizontal)
    s.setRange(0, 100)
    s.setValue(value)
    s.setFixedWidth(120)
    s.setToolTip(tip)
    s.setAccessibleName(name)
    return s


def _title(text: str) -> QLabel:
    lab = QLabel(f"<b>{text}</b>")
    return lab


class PhotoPanel(QWidget):
    """Input photo; with a prediction, the body rendered through the predicted camera on top, and the
    people the detector found (boxes + keypoints). With several people, the picker (or a click inside
    a box, or in the strip of thumbnails under the photo) asks for another one: personRequested(index);
    the strip's "Fit everyone" button: fitEveryone(). A box drawn with Shift+drag around someone the detector
    missed: personBoxed((x0, y0, x1, y1) in the photo's pixels)."""

    personRequested = Signal(int)
    fitEveryone = Signal()
    personBoxed = Signal(object)

    def __init__(self, host: RenderHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.canvas = ImageCanvas(WELCOME, name="photo")
        self.show_mesh = QCheckBox("Mesh overlay")
        self.show_mesh.setChecked(True)
        self.show_mesh.setToolTip("Draw the fitted body over the photo, through the predicted camera")
        self.show_people = QCheckBox("People")
        self.show_people.setChecked(True)
        self.show_people.setToolTip("Show the people the detector found (View › Detected people, P)")
        self.person_box = QComboBox()
        self.person_box.setToolTip("Which of the detected people to fit (or click inside a box on the photo)")
        # room for "Person 12 of 12" and the fit-quality icon that comes with each person's result
        self.person_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.person_box.setMinimumContentsLength(len("Person 12 of 12"))
        self.person_box.hide()
        self.people_note = QLabel()
        self.people_note.setStyleSheet(f"color: {soft_text(self.palette()).name()};")  # (#888 was 3.1:1)
        self.quality = QualityBadge()
        self.qualities: dict[int, object] = {}  # person index -> FitQuality of the shown image
        self.opacity = _opacity_slider(70, "photo overlay opacity",
                                       "Opacity of the body drawn over the photo (the mesh overlay)")
        bar = FlowLayout()  # one row in a wide pane, two in a narrow one (a small window with the folder list)
        bar.addWidget(_title("Photo"))
        bar.addWidget(self.person_box)
        bar.addWidget(self.people_note)
        bar.addStretch(1)
        bar.addWidget(self.show_people)
        bar.addWidget(self.show_mesh)
        bar.addWidget(self.opacity)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(bar)
        lay.addWidget(self.quality)  # its own row under the title (hidden until a result has its numbers)
        lay.addWidget(self.canvas, 1)
        self.people_list = PeopleList()
        self.people_list.hide()
        lay.addWidget(self.people_list)
        self.shown = None
        self.prediction: Prediction | None = None
        self.source_note = ""  # said in place of the people note (set_prediction)
        self.vertices = None
        self.people: tuple = ()
        self.person = 0
        self.set_aside: tuple = ()  # Session.set_aside: figures turned away as animals, (x0, y0, x1, y1) image px
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(OVERLAY_SETTLE_MS)
        self._settle.timeout.connect(self._update_overlay)
        host.ready.connect(self._update_overlay)  # the renderer, built in the render thread, can draw now
        host.frameReady.connect(self._on_overlay_frame)
        self._overlay_key = f"photo_overlay:{id(self)}"
        self._overlay_serial = 0  # the newest overlay asked for (older frames are dropped)
        # zoomed in, the view shows the photo at its own resolution (the base is a display copy of at most 2048 px)
        # and an overlay drawn for the view (the overlay is drawn at most 1024 px): `_update_detail`
        self._detail = QTimer(self)
        self._detail.setSingleShot(True)
        self._detail.setInterval(DETAIL_SETTLE_MS)
        self._detail.timeout.connect(self._update_detail)
        self.canvas.viewMoved.connect(self._detail.start)
        self._detail_key = f"photo_detail:{id(self)}"
        self._detail_serial = 0
        self._detail_region = QRectF()  # the region (display px) of the overlay detail asked for
        self.canvas.set_opacity(0.7)
        self.show_mesh.toggled.connect(lambda _on: self._update_overlay())
        self.show_people.toggled.connect(lambda _on: self.canvas.update())
        self.opacity.valueChanged.connect(lambda v: self.canvas.set_opacity(v / 100))
        self.person_box.currentIndexChanged.connect(self._on_person_box)
        self.canvas.clicked.connect(self._on_canvas_click)
        self.canvas.set_box_drawing(True)
        self.canvas.boxDrawn.connect(self._on_box_drawn)
        self._tags: list = []  # the people's tags as last painted (paint_people), in the photo's pixels
        self.canvas.set_decorator(self._paint_people)
        self.people_list.personRequested.connect(self._on_person_box)
        self.people_list.zoomRequested.connect(self.zoom_to_person)
        self.people_list.fitEveryone.connect(self.fitEveryone)

    def set_image(self, shown) -> None:
        self.shown = shown
        self.prediction = None
        self.vertices = None
        self.canvas.set_base(shown.display if shown is not None else None)
        self.canvas.reset_view()
        self._settle.stop()
        self._overlay_serial = self.host.request_serial()  # an overlay still on its way belongs to the last photo
        self.canvas.set_overlay(None)
        self.qualities = {}
        self.quality.set_quality(None)
        self.set_people((), 0)
        self.set_set_aside(())

    def set_set_aside(self, boxes) -> None:
        """The figures the search of the shown image turned away as animals (drawn with the people, grey)."""
        self.set_aside = tuple(boxes)
        self.canvas.update()

    def set_prediction(self, prediction, note: str = "") -> None:
        """The result shown (None: none); note: what to say of it in place of the people note (a body opened
        from a parameter file: which file, and whether its photo was found)."""
        self.prediction = prediction
        self.source_note = note
        self.vertices = None if prediction is None else prediction.mesh.vertices
        self._update_overlay()
        self._update_note()

    def set_quality(self, quality) -> None:
        """The FitQuality of the prediction shown (None: none yet); remembered per person of this image."""
        self.quality.set_quality(quality)
        if quality is not None:
            self.qualities[int(quality.person)] = quality
            self._mark_people()

    def _mark_people(self) -> None:
        for n in range(self.person_box.count()):
            q = self.qualities.get(n)
            self.person_box.setItemIcon(n, verdict_icon(q.color, verdict=q.verdict) if q is not None else QIcon())
            tip = self.people[n].score_text() if n < len(self.people) else ""
            self.person_box.setItemData(n, tip + (f"\n{q.summary()}" if q is not None else ""),
                                        Qt.ItemDataRole.ToolTipRole)

    # ---------------------------------------------------------------- people
    def set_people(self, people, person: int) -> None:
        """The detected people of the shown image (the most complete and central first) and the index of the one
        fitted. Another person of the same photo picked while the photo is zoomed in: the zoom moves onto them
        (else the person on screen in 3D would be nowhere in view)."""
        same = len(people) == len(self.people) and all(a is b for a, b in zip(people, self.people))
        moved = same and int(person) != self.person and self.canvas.zoom > 1.0
        self.people, self.person = tuple(people), int(person)
        with QSignalBlocker(self.person_box):
            self.person_box.clear()
            for n, pp in enumerate(self.people):
                self.person_box.addItem(f"Person {n + 1} of {len(self.people)}", n)
                self.person_box.setItemData(n, pp.score_text(), Qt.ItemDataRole.ToolTipRole)
            if 0 <= self.person < len(self.people):
                self.person_box.setCurrentIndex(self.person)
            self._mark_people()
        self.person_box.setVisible(len(self.people) > 1)
        if self.shown is not None:
            self.people_list.set_people(self.people, self.person, self.shown.display, self.shown.scale)
        self.people_list.setVisible(len(self.people) > 1)
        self._update_note()
        if moved:
            self.zoom_to_person(self.person)
        self.canvas.update()

    def set_results(self, results: dict) -> None:
        """Session.results: the people of this photo fitted so far (ticked in the strip)."""
        self.people_list.set_results(results)

    def zoom_to_person(self, index: int) -> None:
        """Zoom the photo onto a person (box in image px; the canvas shows the display copy)."""
        if self.shown is not None and 0 <= index < len(self.people):
            self.canvas.zoom_to([float(v) * self.shown.scale for v in self.people[index].box])

    def _update_note(self) -> None:
        text = ""
        if self.prediction is not None and self.source_note:
            text = self.source_note
        elif self.prediction is not None and not self.people and self.prediction.person == -1:
            text = ("no person detected: whole image used" if self.prediction.searched
                    else "whole image fitted as one person, as asked")
        self.people_note.setText(text)
        self.people_note.setVisible(bool(text))

    def _on_person_box(self, index: int) -> None:
        if 0 <= index < len(self.people) and index != self.person:
            self.personRequested.emit(index)

    def _on_canvas_click(self, pos) -> None:
        """A click inside another person's box (display-image pixels) asks for that person."""
        if not self.show_people.isChecked() or len(self.people) < 2 or self.shown is None:
            return
        s = self.shown.scale
        k = person_at(self.people, pos.x() / s, pos.y() / s, self._tags)
        if k is not None and k != self.person:
            self.personRequested.emit(k)

    def _on_box_drawn(self, box) -> None:
        """A Shift+drag box on the photo (display-image pixels) -> personBoxed in the photo's pixels."""
        if self.shown is None:
            return
        s = self.shown.scale
        self.personBoxed.emit((box.left() / s, box.top() / s, box.right() / s, box.bottom() / s))

    def _paint_people(self, painter, origin, k: float) -> None:
        self._tags = []  # (the tags drawn now, which a click on the photo tests first: person_at)
        if not self.show_people.isChecked() or self.shown is None or not (self.people or self.set_aside):
            return
        h, w = self.shown.display.shape[:2]
        photo = QRectF(origin.x(), origin.y(), k * w, k * h)  # the photo in the canvas, zoomed and panned
        fitted = self.prediction is not None and self.prediction.person == self.person
        self._tags = paint_people(painter, self.people, origin, k * self.shown.scale, self.person, fitted,
                                  bounds=photo.intersected(QRectF(self.canvas.rect())), set_aside=self.set_aside)

    def set_mesh(self, mesh) -> None:
        """An edited body: the overlay is drawn again once edits pause for OVERLAY_SETTLE_MS (a slider drag
        renders only the 3D view per step; the photo keeps the last overlay until then)."""
        self.vertices = None if mesh is None else mesh.vertices
        self._settle.start()

    def _update_overlay(self) -> None:
        """Ask the render thread for the overlay of the current body (it arrives in _on_overlay_frame)."""
        self._settle.stop()
        self._overlay_serial = self.host.request_serial()  # drops overlays still on their way
        if not self.show_mesh.isChecked() or self.prediction is None or self.vertices is None or self.shown is None:
            self.canvas.set_overlay(None)
            return
        if not self.host.is_ready:  # being built in the render thread: host.ready calls back
            return
        self._overlay_serial = self.host.request(self._overlay_key, self._overlay_job())

    def _on_overlay_frame(self, key: str, serial: int, image, _ms: float) -> None:
        if key == self._detail_key and serial == self._detail_serial and not isinstance(image, Exception):
            self.canvas.set_detail("overlay", image, self._detail_region)
            return
        if key != self._overlay_key or serial != self._overlay_serial:
            return
        if isinstance(image, Exception):
            if self.host.error:  # no renderer at all (no OpenGL): said in full by the 3D view, and on the checkbox
                self.canvas.set_caption("mesh overlay off (no OpenGL: the 3D view says why)")
                self.show_mesh.setEnabled(False)
                self.show_mesh.setToolTip(self.host.error)
            else:
                self.canvas.set_caption(str(image))
            return
        self.canvas.set_overlay(image)
        self._detail.start()  # (the new overlay's detail, for a zoomed view)

    def _update_detail(self) -> None:
        """A zoomed view: the photo's region in view from the full-size image, and the overlay drawn for the
        region at the view's resolution (by the render thread), where the display copy or the overlay would be
        shown enlarged by DETAIL_FROM or more; cleared when the view does not need them."""
        self._detail.stop()
        self._detail_serial = self.host.request_serial()  # drops a detail still on its way
        region, size = self.canvas.visible_region()
        base, overlay = self.canvas.base, self.canvas.overlay
        if self.shown is None or base is None or region.isEmpty() or size.isEmpty():
            self.canvas.set_detail("base", None)
            self.canvas.set_detail("overlay", None)
            return
        img, s = self.shown.image, self.shown.scale  # display px per image px
        per_display = size.width() / region.width()  # device px per display px
        # the region in whole pixels of the full-size image, and where that lies on the display copy
        h, w = img.shape[:2]
        x0, y0 = max(0, int(region.left() / s)), max(0, int(region.top() / s))
        x1, y1 = min(w, int(np.ceil(region.right() / s))), min(h, int(np.ceil(region.bottom() / s)))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        exact = QRectF(x0 * s, y0 * s, (x1 - x0) * s, (y1 - y0) * s)
        k = min(per_display * s, DETAIL_MAX_PX / max(x1 - x0, y1 - y0))  # detail px per image px
        out_w, out_h = max(1, round((x1 - x0) * k)), max(1, round((y1 - y0) * k))
        if s < 1 and per_display >= DETAIL_FROM:  # the original has pixels the display copy lacks
            crop = np.ascontiguousarray(img[y0:y1, x0:x1])
            if out_w < crop.shape[1]:
                import cv2

                crop = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_AREA)
            self.canvas.set_detail("base", crop, exact)
        else:
            self.canvas.set_detail("base", None)
        drawn = overlay.width() / base.width() if overlay is not None else 1.0  # overlay px per display px
        if (overlay is None or per_display < DETAIL_FROM * drawn or self.prediction is None or self.vertices is None
                or not self.show_mesh.isChecked() or not self.host.is_ready):
            self.canvas.set_detail("overlay", None)
            return
        focal, (cx, cy) = image_camera(self.prediction, k)
        self._detail_region = exact
        self._detail_serial = self.host.request(self._detail_key, RenderJob(
            np.asarray(self.vertices, np.float32), out_w, out_h, focal=focal, center=(cx - x0 * k, cy - y0 * k)))

    def _overlay_job(self, max_side: int = 1024) -> RenderJob:
        h, w = self.shown.display.shape[:2]
        rw, rh, k = fit_size(w, h, max_side)
        focal, (cx, cy) = image_camera(self.prediction, self.shown.scale * k)
        return RenderJob(np.asarray(self.vertices, np.float32), rw, rh, focal=focal, center=(cx, cy))

    def render_overlay(self, max_side: int = 1024) -> np.ndarray | None:
        """RGBA (h, w, 4) of the body on the display image through the predicted camera, drawn now and waited
        for (stills and tests; the panel itself asks the render thread and never waits). None on failure."""
        try:
            return self.host.render(self._overlay_job(max_side))
        except Exception as exc:  # noqa: BLE001
            self.canvas.set_caption(str(exc))
            return None


class SegmentationPanel(QWidget):
    """Predicted 12-part segmentation: over the photo (opacity), side by side, or alone."""

    MODES = (("Overlay", "overlay"), ("Side by side", "side"), ("Parts only", "overlay_only"))
    HINT = "The predicted part segmentation appears here."

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.canvas = ImageCanvas(self.HINT, name="part map")
        self.mode = QComboBox()
        for label, key in self.MODES:
            self.mode.addItem(label, key)
        self.mode.setToolTip("How the part map shows: over the photo, beside it, or alone")
        self.mode.setAccessibleName("part map mode")
        self.opacity = _opacity_slider(60, "part map overlay opacity",
                                       "Opacity of the part map over the photo (Overlay mode only)")
        self.legend = PartLegend(columns=3)
        bar = FlowLayout()
        bar.addWidget(_title("Parts"))
        bar.addStretch(1)
        bar.addWidget(self.mode)
        bar.addWidget(self.opacity)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(bar)
        lay.addWidget(self.canvas, 1)
        lay.addWidget(self.legend)
        self.canvas.set_opacity(0.6)
        self.mode.currentIndexChanged.connect(lambda _: self._apply_mode())
        self.opacity.valueChanged.connect(lambda v: self.canvas.set_opacity(v / 100))

    def _apply_mode(self) -> None:
        mode = self.mode.currentData()
        self.canvas.set_mode(mode)
        self.opacity.setEnabled(mode == "overlay")

    def set_mode(self, mode: str) -> None:
        i = [k for _, k in self.MODES].index(mode)
        self.mode.setCurrentIndex(i)

    def set_image(self, shown) -> None:
        self.canvas.set_hint(self.HINT)
        self.legend.show()
        self.canvas.set_base(shown.display if shown is not None else None)
        self.canvas.reset_view()
        self.canvas.set_overlay(None)

    def show_no_parts(self, text: str) -> None:
        """No part map for what is shown (a body opened from a parameter file): the panel says `text` instead of
        showing the photo without parts, or the last image's map."""
        self.canvas.set_overlay(None)
        self.canvas.set_base(None)
        self.canvas.set_hint(text)
        self.legend.hide()  # no colours to explain

    def set_labels(self, labels: np.ndarray | None) -> None:
        self.canvas.set_overlay(None if labels is None else colorize_rgba(labels))


class ViewTitleBar(QWidget):
    """Title row of the 3D pane: which fit (refined or the network's own), presets and colouring."""

    preset = Signal(str)
    colorMode = Signal(str)
    fitChosen = Signal(str)  # "refined" | "network"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        from PySide6.QtWidgets import QToolButton

        lay = FlowLayout(self)  # the view buttons wrap onto a second row when the pane is narrow
        lay.addWidget(_title("3D body"))
        lay.addStretch(1)
        self.fit = QComboBox()
        for text, data in FITS:
            self.fit.addItem(text, data)
        self.fit.setToolTip("Both results are kept: the refined fit (keypoints, 3D landmarks and silhouette of "
                            "the person detector) or the network's own answer (N toggles)")
        self.fit.setEnabled(False)
        self.fit.activated.connect(lambda _: self.fitChosen.emit(self.fit.currentData()))
        lay.addWidget(self.fit)
        self.buttons = {}
        # "Reset view": the inspector beside this bar has a "Reset body" button that resets the body
        for name, text, tip in (("reset", "Reset view", "Reset the 3D view (R)"), ("front", "Front", "Front view (1)"),
                                ("back", "Back", "Back view (9)"), ("side", "Side", "Side view (3)"),
                                ("top", "Top", "Top view (7)")):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, n=name: self.preset.emit(n))
            lay.addWidget(b)
            self.buttons[name] = b
        self.colors = QComboBox()
        self.colors.addItem("Skin", "skin")
        self.colors.addItem("Part colours", "parts")
        self.colors.setToolTip("Colour the 3D body in skin tone, or in the body model's part colours")
        self.colors.setAccessibleName("3D body colours")
        self.colors.currentIndexChanged.connect(lambda _: self.colorMode.emit(self.colors.currentData()))
        lay.addWidget(self.colors)

    def set_fit_choice(self, available: bool, shown: str = "refined") -> None:
        """Offer the choice when the prediction has both fits; name the one on screen ("refined" | "network"),
        also when it is the only one (then greyed out); "file": a body opened from a parameter file."""
        self.fit.setEnabled(available)
        k = self.fit.findData("file")
        if shown == "file" and k < 0:
            self.fit.addItem("From file", "file")
        elif shown != "file" and k >= 0:
            self.fit.removeItem(k)
        self.fit.setCurrentIndex(max(0, self.fit.findData(shown)))
