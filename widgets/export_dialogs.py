"""The main window's export menu: the save dialogs for meshes, parameters, the part map, the rigged body, the scene
of everyone fitted and screenshots of a view. The files are written in the controller's export thread; this part
of `MainWindow` asks for the path, names it and says what happened."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MESH_FORMATS = (("OBJ", ".obj"), ("PLY", ".ply"), ("GLB", ".glb"))
PARAM_FORMATS = (("NumPy .npz", ".npz"), ("JSON .json", ".json"), ("UP-3D _body.pkl", "_body.pkl"))
PARTS_SUFFIX = "_parts.png"  # the part map in the photo's frame (the only export that is a .png)
SKINNED_SUFFIX = "_skinned.glb"  # the rigged body (SMPL skeleton and skin); the plain mesh is NAME.glb
ANIMATION_FORMATS = (("skinned GLB (SMPL skeleton)", SKINNED_SUFFIX), ("BVH (the pose)", ".bvh"))


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
        """The export dialogs' suggested path without suffix: beside the photo under its name, and for a person
        other than the photo's first (with `person`) NAME_pN, as `predict --all-people` names them, so that each
        person's files get their own names."""
        opened = self.controller.opened_params()
        if opened is not None:  # beside the parameter file, under its output name (NAME of NAME_body.pkl)
            from inference.params_prediction import output_name

            return str(Path(opened.path).with_name(output_name(opened.path)))
        shown = self.session.shown
        if shown is not None and shown.source and Path(shown.source).suffix:
            stem = str(Path(shown.source).with_suffix(""))
            pred = self.session.prediction
            if person and pred is not None and pred.person > 0 and len(pred.people) > 1:
                stem += f"_p{pred.person + 1}"
            return stem
        return str(Path.home() / "body")

    def export_dialog(self, suffix: str) -> int:
        if self.session.prediction is None:
            self.show_error(self.controller.nothing_to_export())
            return False
        kind = ("mesh" if suffix in (s for _, s in MESH_FORMATS) else
                "body" if suffix in (s for _, s in ANIMATION_FORMATS) else
                "part map" if suffix == PARTS_SUFFIX else "parameters")
        default = self._default_stem() + suffix
        path = self.ask_save_path(f"Export {kind}", default, "*.png" if suffix == PARTS_SUFFIX else f"*{suffix}")
        if not path:
            return 0
        # a bare name gets the whole suffix (edited -> edited_body.pkl: UP-3D's readers look for *_body.pkl);
        # a name typed with the extension is kept as typed
        if suffix in ("_body.pkl", PARTS_SUFFIX, SKINNED_SUFFIX):
            if not path.lower().endswith(Path(suffix).suffix):
                path += suffix
        elif not path.lower().endswith(suffix):
            path += suffix
        return self.export_to(path, skinned=suffix == SKINNED_SUFFIX)

    def export_scene_dialog(self) -> int:
        """Every fitted person in one file (GLB, OBJ or PLY by the name's suffix; GLB when none is typed)."""
        if self.session.prediction is None:
            self.show_error(self.controller.nothing_to_export())
            return 0
        path = self.ask_save_path("Export everyone fitted as one scene",
                                  self._default_stem(person=False) + "_scene.glb", "Scenes (*.glb *.obj *.ply)")
        if not path:
            return 0
        if Path(path).suffix.lower() not in (".glb", ".obj", ".ply"):
            path += ".glb"
        return self.export_to(path, scene=True)

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
        path = self.ask_save_path(f"Save screenshot of the {name.lower()}", default, "PNG images (*.png)")
        if not path:
            return 0
        if not path.lower().endswith(".png"):
            path += ".png"
        p = Path(path)
        if p.is_dir():  # (not "replace it?": a folder is not replaced)
            self.show_error(f"cannot save the screenshot: {p} is a folder")
            return 0
        if p.exists() and not self.confirm_overwrite(p):
            return 0
        return self.save_screenshot(widget, p)

    def save_screenshot(self, widget: QWidget, path: str | Path) -> int:
        """The widget as it looks now, encoded as PNG here and written to `path` in the export thread (the GUI never
        waits on the disk); the export's job id (0 when it could not be encoded). The status bar says when it is
        written, the banner when it failed."""
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        ok = widget.grab().save(buf, "PNG")
        buf.close()
        if not ok:
            self.show_error(f"could not make a PNG of this view for {path}")
            return 0
        return self.controller.save_in_background(path, bytes(data.data()))
