"""The main window's export menu: the save dialogs for meshes, parameters, the part map, the rigged body, the scene
of everyone fitted and screenshots of a view. The files are written in the controller's export thread; this part
of `MainWindow` asks for the path, names it and says what happened."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from inference.paths import RESOURCES, resolved

from .image_canvas import focus_frames_hidden

MESH_FORMATS = (("OBJ", ".obj"), ("PLY", ".ply"), ("GLB", ".glb"))
PARAM_FORMATS = (("NumPy .npz", ".npz"), ("JSON .json", ".json"), ("UP-3D _body.pkl", "_body.pkl"))
PARTS_SUFFIX = "_parts.png"  # the part map in the photo's frame (the only export that is a .png)
SKINNED_SUFFIX = "_skinned.glb"  # the rigged body (SMPL skeleton and skin); the plain mesh is NAME.glb
ANIMATION_FORMATS = (("skinned GLB (SMPL skeleton)", SKINNED_SUFFIX), ("BVH (the pose)", ".bvh"))
SCENE_SUFFIXES = (".glb", ".obj", ".ply")  # the scene of everyone fitted; .glb when no suffix is typed

# File types a user may type by habit in a save dialog (images, 3D, data). A typed suffix among them that the dialog
# cannot write is replaced by the dialog's; any other ".xyz" is taken as part of the name ("John.Doe" ->
# "John.Doe.obj"), since names with dots are common and a fixed list keeps the rule the same on every system.
FILE_TYPE_SUFFIXES = frozenset((
    ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".exr", ".svg", ".pdf",
    ".obj", ".ply", ".glb", ".gltf", ".stl", ".fbx", ".dae", ".usd", ".usda", ".usdc", ".usdz", ".3ds", ".3mf",
    ".blend", ".off", ".x3d", ".abc", ".wrl", ".bvh",
    ".npz", ".npy", ".json", ".pkl", ".pickle", ".h5", ".hdf5", ".mat", ".csv", ".txt", ".yaml", ".yml", ".xml",
    ".pt", ".pth", ".zip",
))


def _family(suffix: str) -> tuple[str, ...]:
    """The suffixes an export dialog for `suffix` writes (str, e.g. "_body.pkl"): its format's kind (meshes,
    parameters, the rigged body and the pose), the dialog's own first; just (`suffix`,) for the part map."""
    for formats in (MESH_FORMATS, PARAM_FORMATS, ANIMATION_FORMATS):
        suffixes = tuple(s for _, s in formats)
        if suffix in suffixes:
            return (suffix, *(s for s in suffixes if s != suffix))
    return (suffix,)


def _extension(suffix: str) -> str:
    """The file extension that ends an export suffix: ".pkl" of "_body.pkl", ".obj" of ".obj" (Path(".obj").suffix
    is "": a name that starts with a dot has none)."""
    return suffix[suffix.rindex("."):]


def export_name(typed: str, suffixes: tuple[str, ...], what: str) -> tuple[str, str, str]:
    """The path to write for a name `typed` in a save dialog that writes the formats `suffixes` (str, the default
    first: ".obj", "_body.pkl", "_parts.png"), `what` naming the export for a note ("part map").

    Returns (path, the suffix of `suffixes` that is written, a note for the user or ""); path is "" when no name
    is left once surrounding whitespace is stripped. A name ending in one of the formats' extensions (any case;
    ".pkl" for "_body.pkl", ".glb" for "_skinned.glb") is kept as typed and written in that format (the writers
    choose by suffix); a bare name gets the whole default suffix (edited -> edited_body.pkl: UP-3D's readers look
    for *_body.pkl); a name ending in another file type's suffix (FILE_TYPE_SUFFIXES) gets the default suffix in
    its place, and the note says so."""
    folder, name = os.path.split(typed)
    name = name.strip()
    if not name:
        return "", suffixes[0], ""
    lower = name.lower()
    for suffix in suffixes:
        if lower.endswith(_extension(suffix)):
            return os.path.join(folder, name), suffix, ""
    stem, ext = os.path.splitext(name)
    if ext.lower() in FILE_TYPE_SUFFIXES:
        written = stem + suffixes[0]
        exts = list(dict.fromkeys(_extension(s) for s in suffixes))
        kinds = " or ".join(filter(None, (", ".join(exts[:-1]), exts[-1])))
        return (os.path.join(folder, written), suffixes[0],
                f"the {what} cannot be saved as {ext}, so it is saved as {written} (type a name ending in {kinds} "
                f"to choose the name yourself)")
    return os.path.join(folder, name + suffixes[0]), suffixes[0], ""


class ExportDialogs:
    """The export dialogs of `MainWindow` (a part of it: it reads the window's controller, session and status bar)."""

    def ask_save_path(self, title: str, default: str, filt: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, default, filt,
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        return path

    def confirm_overwrite(self, path: Path) -> bool:
        r = QMessageBox.question(self, "Replace file?", f"{path.name} already exists in {path.parent}.\n"
                                 "Do you want to replace it?",
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                 QMessageBox.StandardButton.No)
        return r == QMessageBox.StandardButton.Yes

    def _default_stem(self, person: bool = True) -> str:
        """The export dialogs' suggested path without suffix (str): beside the photo under its name, and for a
        person other than the photo's first (with `person`) NAME_pN, as `predict --all-people` names them, so that
        each person's files get their own names. For one of the app's own files (the sample shown on first start)
        the same name in the home folder: the install's folder is no place for a user's files (read-only when
        packaged)."""
        opened = self.controller.opened_params()
        if opened is not None:  # beside the parameter file, under its output name (NAME of NAME_body.pkl)
            from inference.params_prediction import output_name

            return _outside_install(Path(opened.path), output_name(opened.path))
        shown = self.session.shown
        if shown is not None and shown.source and Path(shown.source).suffix:
            stem = Path(shown.source).stem
            pred = self.session.prediction
            if person and pred is not None and pred.person > 0 and len(pred.people) > 1:
                stem += f"_p{pred.person + 1}"
            return _outside_install(Path(shown.source), stem)
        return str(Path.home() / "body")

    def _export_path(self, typed: str, suffixes: tuple[str, ...], what: str) -> tuple[str, str, str]:
        """`export_name` of a name typed in a save dialog; the banner says when no name is left ("" path)."""
        path, suffix, note = export_name(typed, suffixes, what)
        if not path:
            self.show_error(f"no file name was typed for the {what}: type a name to save it under")
        return path, suffix, note

    def _noted(self, job: int, note: str) -> int:
        """Show `note` (the typed name was changed) as the window's note once the export has started; job as given.
        On the banner, not only the status bar: "exported …" replaces the status bar's text within a moment."""
        if job and note:
            self.show_warning(note)
        return job

    def export_dialog(self, suffix: str) -> int:
        if self.session.prediction is None:
            self.show_error(self.controller.nothing_to_export())
            return False
        kind = ("mesh" if suffix in (s for _, s in MESH_FORMATS) else
                "body" if suffix in (s for _, s in ANIMATION_FORMATS) else
                "part map" if suffix == PARTS_SUFFIX else "parameters")
        default = self._default_stem() + suffix
        typed = self.ask_save_path(f"Export {kind}", default, "*.png" if suffix == PARTS_SUFFIX else f"*{suffix}")
        if not typed:
            return 0
        path, written, note = self._export_path(typed, _family(suffix), kind)
        if not path:
            return 0
        return self._noted(self.export_to(path, skinned=written == SKINNED_SUFFIX), note)

    def export_scene_dialog(self) -> int:
        """Every fitted person in one file (GLB, OBJ or PLY by the name's suffix; GLB when none is typed)."""
        if self.session.prediction is None:
            self.show_error(self.controller.nothing_to_export())
            return 0
        typed = self.ask_save_path("Export everyone fitted as one scene",
                                   self._default_stem(person=False) + "_scene.glb", "Scenes (*.glb *.obj *.ply)")
        if not typed:
            return 0
        path, _, note = self._export_path(typed, SCENE_SUFFIXES, "scene")
        if not path:
            return 0
        return self._noted(self.export_to(path, scene=True), note)

    def export_to(self, path: str | Path, skinned: bool = False, scene: bool = False) -> int:
        """Export mesh, parameters or (.png) the part map by suffix in the export thread; returns its job id (0:
        nothing to export). The answer comes by signal: exported (status bar), exportExists (asks before
        replacing, then sends it again), exportFailed (banner). The GUI thread never waits on the disk."""
        try:
            job = self.controller.export_in_background(path, skinned=skinned, scene=scene)
        except Exception as exc:  # noqa: BLE001 - nothing to export: a message, not a crash
            self.show_error(f"export failed: {exc}")
            return 0
        self.statusBar().showMessage(f"exporting {Path(path).name}…" + self._export_note(job), 8000)
        return job

    def _export_note(self, job: int) -> str:
        note = self.controller.export_note(job)
        return f" ({note})" if note else ""

    def _on_export_exists(self, job: int, path: str) -> None:
        if self.confirm_overwrite(Path(path)):
            self.controller.overwrite_export(job)
        else:
            self.statusBar().showMessage("export cancelled", 5000)

    def screenshot_dialog(self, widget: QWidget, name: str) -> int:
        default = self._default_stem() + "_" + name.lower().replace(" ", "_") + ".png"
        typed = self.ask_save_path(f"Save screenshot of the {name.lower()}", default, "PNG images (*.png)")
        if not typed:
            return 0
        path, _, note = self._export_path(typed, (".png",), "screenshot")
        if not path:
            return 0
        p = Path(path)
        if p.is_dir():  # (not "replace it?": a folder is not replaced)
            self.show_error(f"cannot save the screenshot: {p} is a folder")
            return 0
        if p.exists() and not self.confirm_overwrite(p):
            return 0
        return self._noted(self.save_screenshot(widget, p), note)

    def save_screenshot(self, widget: QWidget, path: str | Path) -> int:
        """The widget as it looks now, grabbed here and encoded as PNG and written to `path` in the export thread
        (the GUI never waits on the encoding or the disk: a window's PNG is 0.1-0.2 s of encoding here); the
        export's job id (0 when nothing could be grabbed). The status bar says when it is written, the banner when
        it failed."""
        with focus_frames_hidden():  # (the picture, not where the keyboard focus is)
            image = widget.grab().toImage()  # (a QImage may go to another thread; a QPixmap may not)
        if image.isNull():
            self.show_error(f"could not make a PNG of this view for {path}")
            return 0
        return self.controller.save_image_in_background(path, image)


def _outside_install(source: Path, stem: str) -> str:
    """The path (str) of `stem` beside `source`, or in the home folder when `source` is one of the app's own files
    (under inference.paths.RESOURCES)."""
    bundled = Path(resolved(source)).is_relative_to(RESOURCES)
    return str(Path.home() / stem) if bundled else str(source.with_name(stem))
