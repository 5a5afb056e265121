"""The main window's signal wiring: which signal of the session, the controller, the folder list, the dataset
session and the panels drives which view or window slot (the slots are the window's and its panels' own).

`wire(window)` connects every area once, when the window is built. Slots of one signal run in the order they
were connected, and that order matters: the people strip is filled before the parts panel gives it room
(peopleChanged), and a settings change reaches the dataset session before the 3D pane's fit box
(configChanged)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


def wire(window: MainWindow) -> None:
    wire_session(window)
    wire_photo(window)
    wire_controller(window)
    wire_folder(window)
    wire_dataset(window)
    wire_body_view(window)


def wire_session(window: MainWindow) -> None:
    """The Photo tab follows the Session: the image, the fit, the body, the people, the undo state, busy."""
    s, c = window.session, window.controller
    s.imageChanged.connect(window._on_image)
    s.predictionChanged.connect(window._on_prediction)
    s.predictionChanged.connect(lambda _p: window._sync_placeholder())
    s.peopleChanged.connect(lambda *_: window._sync_placeholder())  # another person picked during a fit
    s.meshChanged.connect(window._on_mesh)
    s.busyChanged.connect(window._on_busy)
    c.decodingChanged.connect(window._on_busy)
    s.undoChanged.connect(window.act_undo.setEnabled)
    s.redoChanged.connect(window.act_redo.setEnabled)
    s.peopleChanged.connect(window.photo.set_people)
    s.setAsideChanged.connect(window.photo.set_set_aside)
    s.peopleChanged.connect(lambda *_: window._make_room_for_people_strip())  # (after set_people shows the strip)
    s.qualityChanged.connect(window.photo.set_quality)
    s.resultsChanged.connect(window.photo.set_results)
    s.paramsChanged.connect(lambda _: window._sync_fit_choice())
    s.paramsChanged.connect(lambda _: window.photo.quality.set_edited(window.controller.edited()))


def wire_photo(window: MainWindow) -> None:
    """The photo panel's requests (a person picked, boxed, everyone fitted), its zoom shared with the parts
    panel, and its people overlay switch shared with View > Detected people and kept in the settings."""
    c, photo = window.controller, window.photo
    photo.personRequested.connect(window._on_person_requested)
    photo.fitEveryone.connect(c.fit_everyone)
    photo.personBoxed.connect(c.fit_box)
    # the parts panel follows the photo panel's zoom and pan (both show the display image), and back
    photo.canvas.viewChanged.connect(window.segmentation.canvas.set_relative_view)
    window.segmentation.canvas.viewChanged.connect(photo.canvas.set_relative_view)
    window.act_people.toggled.connect(photo.show_people.setChecked)
    photo.show_people.toggled.connect(window.act_people.setChecked)
    photo.show_people.toggled.connect(lambda on: window.controller.settings.set_value("ui/show_people", on))


def wire_controller(window: MainWindow) -> None:
    """The controller's messages (errors in the banner, notes, status, timings, exports), its lists of files and
    images, the body model, and progress."""
    c = window.controller
    c.error.connect(window.show_error)
    c.errorResolved.connect(window.banner.resolve)
    c.warning.connect(window.show_warning)
    c.status.connect(lambda t: window.statusBar().showMessage(t, 6000))
    c.fitJumped.connect(window.mesh_view.aim_at_body)
    c.timings.connect(window.timings_label.setText)
    # the photo's timings mean nothing on the Dataset tab, where they cut its long status messages
    window.tabs.currentChanged.connect(lambda _i: window.timings_label.setVisible(
        window.tabs.currentWidget() is window.photo_tab))
    c.recentFilesChanged.connect(window._rebuild_recent)
    c.imageListChanged.connect(window._on_image_list)
    c.datasetRequested.connect(window.open_dataset)
    c.progress.connect(window._on_progress)
    c.bodyModelChanged.connect(window._on_body_model)
    c.exported.connect(lambda job, path: window.statusBar().showMessage(
        f"exported {path}" + window._export_note(job), 8000))
    c.exportExists.connect(window._on_export_exists)
    c.exportFailed.connect(lambda _job, path, message: window.show_error(
        f"export failed: {message}" if Path(path).name in message else
        f"export of {Path(path).name} failed: {message}"))  # (a full disk's message names no file)


def wire_folder(window: MainWindow) -> None:
    """The folder list: an image picked, its room in the Photo tab, Run all and its choices (kept in the
    settings), Cancel, and Run all's messages; View > Folder list shows or hides it."""
    c, fl = window.controller, window.folder_list
    window.act_folder_list.toggled.connect(window._show_folder_list)
    fl.imageRequested.connect(window._on_folder_image)
    c.folder.model.modelReset.connect(window._make_room_for_folder_list)  # after the list's own (shows it)
    fl.runAllRequested.connect(window.run_all_dialog)
    fl.everyone.toggled.connect(
        lambda on: window.controller.settings.set_value("ui/run_all_every_person", on))
    fl.meshFormatsChanged.connect(
        lambda formats: window.controller.settings.set_value("ui/run_all_mesh_formats", ",".join(formats)))
    fl.cancelRequested.connect(c.folder.cancel)
    c.folder.error.connect(window.show_error)
    c.folder.errorResolved.connect(window.banner.resolve)
    c.folder.finished.connect(lambda t: window.statusBar().showMessage(f"Run all: {t}", 10000))


def wire_dataset(window: MainWindow) -> None:
    """The dataset session: the model settings it runs with, and its messages."""
    d = window.dataset
    window.controller.configChanged.connect(d.configure)  # a body-model switch applies when its file has loaded
    d.error.connect(window.show_error)
    d.warning.connect(window.show_warning)
    d.errorResolved.connect(window.banner.resolve)
    d.finished.connect(lambda t: window.statusBar().showMessage(f"dataset: {t}", 10000))


def wire_body_view(window: MainWindow) -> None:
    """The 3D pane: its view bar's presets, colours and fit choice (the fit box follows the settings), and the
    joint picked on the body or in the inspector."""
    bar, mesh = window.view_bar, window.mesh_view
    bar.preset.connect(lambda n: window.mesh_view.reset_view() if n == "reset" else window.mesh_view.set_preset(n))
    bar.colorMode.connect(mesh.set_color_mode)
    bar.fitChosen.connect(window._show_fit)
    window.controller.configChanged.connect(lambda _: window._sync_fit_choice())
    mesh.jointPicked.connect(window._on_joint_picked)
    window.inspector.jointSelected.connect(mesh.set_selected_joint)
