"""Exports of the controller's result (ExportsMixin, a part of app.controller.Controller): meshes, the photo's
scene, the rigged body and the pose, the part map, the parameters.

Each export is prepared on the GUI thread (the values to write, taken now: a few ms) as a writer, a function of
`overwrite`; export_in_background runs it in the export thread (the GUI never waits on the disk), the export_*
methods (scripts, tests) run it at once.
"""
from __future__ import annotations

from pathlib import Path

from .results import keep_result


class ExportsMixin:
    """Exports for Controller (app/controller.py). Its state is set up by Controller.__init__: _export (the signal
    to the export thread), _export_jobs, _export_notes, _export_serial, _exported, _export_bodies; it uses the
    controller's session, config, flush(), body_model(), opened_params(), _pending, _current_load, _replaced and
    _remembered."""

    __slots__ = ()  # no state of its own: the controller's, set up in its __init__

    MESH_SUFFIXES = (".obj", ".ply", ".glb")

    def nothing_to_export(self) -> str:
        """Why there is nothing to export, for the user: no image open, its fit still running, or nobody fitted."""
        shown = self.session.shown
        if shown is None:
            return "nothing to export yet: open an image first"
        name = shown.name or "this image"
        if self.session.busy:
            return f"nothing to export yet: {name} is being fitted"
        return f"nothing is fitted for {name}, so there is nothing to export (Edit > Run the model again, F5)"

    def writer_for(self, path: str | Path, skinned: bool = False, scene: bool = False):
        """The writer of an export to `path` by its suffix: a mesh (.obj/.ply/.glb), the rigged body
        (skinned=True, a .glb) or the pose (.bvh), the part map (.png) or parameters (.npz/.json/_body.pkl);
        with scene=True every fitted person of the photo in its camera (.glb/.obj/.ply, inference/scene.py).
        RuntimeError when there is nothing to export."""
        path = Path(path)
        suffix = path.suffix.lower()
        made_with = self.session.made_with
        if (suffix != ".png" and self.session.busy and made_with is not None
                and made_with.body_model_path != self.config.body_model_path):
            # the body on screen is the old body model's, being fitted on the new one: a mesh of one and
            # parameters, rig or joints of the other would disagree
            raise RuntimeError("the body model changed: the body is being fitted on the new one; export it when the "
                               "fit is done")
        if scene:
            return self._scene_writer(path)
        if skinned or suffix == ".bvh":
            return self._animation_writer(path, skinned)
        if suffix in self.MESH_SUFFIXES:
            return self._mesh_writer(path, "body")
        if suffix == ".png":
            return self._parts_writer(path)
        return self._params_writer(path)

    def export_in_background(self, path: str | Path, overwrite: bool = False, skinned: bool = False,
                             scene: bool = False) -> int:
        """Export the current result to `path` (see writer_for) in the export thread; returns the job id.
        The answer comes by exported / exportExists / exportFailed. RuntimeError (at once) when there is
        nothing to export."""
        writer = self.writer_for(path, skinned, scene)
        job = self._post_export(writer, str(path), overwrite)
        if Path(path).suffix.lower() != ".png":  # (a part map holds no body)
            self._export_bodies[job] = self._bodies_on_screen() if scene else (self.session.params,)
        return job

    def overwrite_export(self, job: int) -> int:
        """Send an export that found its file there again, replacing the file (the same values); 0 if unknown."""
        entry = self._export_jobs.pop(job, None)
        if entry is None:
            return 0
        bodies = self._export_bodies.pop(job, None)
        new = self._post_export(entry[0], entry[1], True)
        if bodies is not None:
            self._export_bodies[new] = bodies
        return new

    def _bodies_on_screen(self) -> tuple:
        """The shown image's bodies a scene writes: the one on screen and every other person's kept, those a re-run
        set aside included (they come back if it is cancelled)."""
        aside = self._replaced[0].values() if self._replaced else ()
        return (self.session.params, *(r.params for r in (*self.session.results.values(), *aside)))

    def _on_exported(self, job: int, _path: str) -> None:
        for params in self._export_bodies.pop(job, ()):
            if params is not None:
                self._exported[id(params)] = params

    def unexported_edits(self) -> list[str]:
        """The edited bodies no export has written, in words ('person 2 of two_people.jpg', 'photo.jpg'): of the
        image shown and of the images left behind (lost when the app closes)."""
        from .people_fits import edited_people

        def unsaved(name: str, results: dict, whole=None) -> list[str]:
            out = []
            for k, r in sorted(results.items()):
                if edited_people({k: r}) and id(r.params) not in self._exported:
                    out.append(f"person {k + 1} of {name}" if len(results) > 1 or k > 0 else name)
            if whole is not None and edited_people({0: whole}) and id(whole.params) not in self._exported:
                out.append(name)
            return out

        found = []
        shown = self.session.shown
        if shown is not None:
            current = keep_result(self.session)
            results = dict(self.session.results)
            whole = None
            if current is not None and current.prediction.person < 0:
                whole = current
            elif current is not None:
                results[int(current.prediction.person)] = current
            found += unsaved(shown.name, results, whole)
        for e in self._remembered.values():
            found += unsaved(e.opened.name if e.opened is not None else e.shown.name, e.results, e.whole)
        return found


    def save_in_background(self, path: str | Path, data: bytes) -> int:
        """Write bytes the user asked to save (the Dataset table as CSV; a screenshot: save_image_in_background) to
        `path` in the export thread, replacing a file there (the save dialog asked first); returns the job id. The
        answer comes by exported / exportFailed, as for an export."""
        from inference.file_writes import atomic_write

        path = Path(path)
        return self._post_export(lambda overwrite: atomic_write(path, data, overwrite=overwrite), str(path), True)

    def save_image_in_background(self, path: str | Path, image) -> int:
        """Encode `image` (a QImage: usable in any thread, unlike a QPixmap) as PNG and write it to `path`, both in
        the export thread (a window's PNG is 0.1-0.2 s of encoding), replacing a file there (the save
        dialog asked first); returns the job id. The answer comes by exported / exportFailed, as for an export.
        The caller hands the image over: it is not to be painted on afterwards."""
        from inference.file_writes import atomic_write

        path = Path(path)

        def write(overwrite: bool) -> Path:
            return atomic_write(path, png_bytes(image, path), overwrite=overwrite)

        return self._post_export(write, str(path), True)

    def export_note(self, job: int) -> str:
        """What the user should know of an export besides its path ('1 of 6 people: ...' for a scene that
        leaves people out); '' for none."""
        return self._export_notes.get(job, "")

    def _post_export(self, writer, path: str, overwrite: bool) -> int:
        self._export_serial += 1
        job = self._export_serial
        note = getattr(writer, "note", "")
        self._export_notes = {k: v for k, v in self._export_notes.items() if k > job - 20}
        if note:
            self._export_notes[job] = note
        # a few recent ones: an export that failed, or found its file there and was not replaced, is let go later
        self._export_bodies = {k: v for k, v in self._export_bodies.items() if k > job - 20}
        if not overwrite:
            self._export_jobs = {k: v for k, v in self._export_jobs.items() if k > job - 20}
            self._export_jobs[job] = (writer, path)
        self._export.emit(job, writer, path, overwrite)
        return job

    def export_mesh(self, path: str | Path, overwrite: bool = False, frame: str = "body") -> Path:
        """Write the current (edited) mesh as OBJ/PLY/GLB by suffix, body-centred (posed pelvis at the origin,
        y up: what 3D tools expect) or in the photo's camera frame (frame="camera"), as `main.py export` does.
        FileExistsError if it exists and overwrite is False."""
        return self._mesh_writer(Path(path), frame)(overwrite)

    def _mesh_writer(self, path: Path, frame: str):
        from inference import export
        from inference.rig import frame_offset

        self.flush()
        self._check_edits_posed()
        mesh = self.session.mesh
        if mesh is None:
            raise RuntimeError(self.nothing_to_export())
        vertices = mesh.vertices - frame_offset(mesh.joints, frame)
        return lambda overwrite: export.export_mesh(path, vertices, mesh.faces, overwrite=overwrite, frame=frame)

    def _check_edits_posed(self) -> None:
        """Raise when an edit still waits for the body model to pose it (it is loading): the mesh on screen is the
        body before the edit, and an export now would write that body without a word."""
        if self._pending is not None:
            raise RuntimeError("the body model is still loading: try again in a moment")

    def _scene_writer(self, path: Path):
        """Every fitted person of the shown photo (edits included; the whole image's one body when no person
        was detected) in the photo's camera, as one file."""
        from inference.photo_camera import photo_camera_for
        from inference.scene import SCENE_SUFFIXES, export_scene, photo_scene

        self.flush()
        self._check_edits_posed()
        # during a re-run the people's fits are set aside (Esc brings them back): they are the scene, with the
        # result on screen (edits included) in its person's place; nothing is stored into the results meanwhile
        results = {**(self._replaced[0] if self._replaced is not None else {}), **self.session.results}
        people = len(self._replaced[1] if self._replaced is not None else self.session.people)
        current = keep_result(self.session)
        if current is not None and current.person >= 0:
            results[current.person] = current
        kept = [results[k] for k in sorted(results)]
        if not kept and current is not None:
            kept = [current]
        if not kept:
            raise RuntimeError(self.nothing_to_export())
        bodies = []
        for r in kept:
            mesh = r.mesh if r.mesh is not None else r.prediction.mesh
            params = r.params if r.params is not None else r.prediction.params
            bodies.append((f"person {r.person + 1}" if r.person >= 0 else "person", mesh,
                           photo_camera_for(r.prediction, params, mesh)))
        if path.suffix.lower() not in SCENE_SUFFIXES:
            raise RuntimeError(f"a scene is written as {', '.join(SCENE_SUFFIXES)}, not {path.name}")
        scene = photo_scene(bodies)

        def write(overwrite: bool) -> Path:
            return export_scene(path, scene, overwrite)  # written (and packed) in the export thread

        # a scene of some of the people looks like a scene of everyone: say who is in it (export_note)
        n = sum(1 for r in kept if r.person >= 0)
        write.note = ("" if people < 2 else f"all {people} people" if n >= people else
                      f"{n} of {people} people: Fit everyone fits the other {people - n}")
        return write

    def _animation_writer(self, path: Path, skinned: bool):
        """A skinned GLB (skinned=True: SMPL skeleton, skin, the pose as joint rotations) or the pose as BVH
        (.bvh), body-centred (inference/export_gltf.py, inference/export_bvh.py)."""
        from inference import export

        self.flush()
        params, body = self.session.params, self.body_model()
        if params is None or self.session.prediction is None:
            raise RuntimeError(self.nothing_to_export())
        if body is None:
            raise RuntimeError("the body model is still loading: try again in a moment" if self._current_load
                               else "no body model loaded (see the settings)")
        # the body model is only read (a stateless forward): safe beside the GUI thread's re-posing
        return lambda overwrite: export.export(path, params, body, overwrite=overwrite, frame="body",
                                               skinned=skinned)

    def export_parts(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the predicted part map as a PNG in the photo's own frame (the photo's width and height,
        palette colours, background black; inference.export.export_parts)."""
        return self._parts_writer(Path(path))(overwrite)

    def _parts_writer(self, path: Path):
        from inference import export

        pred = self.session.prediction
        if pred is None:
            raise RuntimeError(self.nothing_to_export())
        if pred.params_file:
            raise RuntimeError(f"no part map: {Path(pred.params_file).name} holds the body's parameters only")
        return lambda overwrite: export.export_parts(path, pred.parts, pred.crop, pred.image, overwrite=overwrite)

    def export_params(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the current (edited) parameters as .npz / .json / _body.pkl by name, with the photo's own
        camera and the body's 24 SMPL + 14 LSP joints in photo pixels (inference/export.py: in the
        _body.pkl, f, rt, t are the photo camera; crop_f, crop_t the network's crop camera)."""
        return self._params_writer(Path(path))(overwrite)

    def _params_writer(self, path: Path):
        from inference import export
        from inference.photo_camera import photo_camera_for

        self.flush()
        pred, params = self.session.prediction, self.session.params
        if pred is None or params is None:
            raise RuntimeError(self.nothing_to_export())
        body = self.body_model()
        name = body.name if body is not None else (self.config.body_model_path or "embedded")
        # posed here on the body model in use, whose name the file carries (the prediction's own mesh may be
        # another model's: a parameter file's body re-posed after a switch of body model; the session's mesh may
        # lag behind a failed re-pose)
        mesh = body.mesh(params) if body is not None else (pred.mesh if params is pred.params else None)

        # a parameter file opened without a photo camera is written without one (the canvas it is shown on is
        # no photo)
        opened = self.opened_params()
        with_photo = opened is None or opened.has_camera

        def write(overwrite: bool) -> Path:
            photo = None if mesh is None or not with_photo else photo_camera_for(pred, params, mesh, body)
            export.save_params(path, params, float(pred.camera.focal), int(pred.camera.size), name,
                               overwrite=overwrite, photo=photo)
            return path

        return write


def png_bytes(image, path: Path) -> bytes:
    """`image` (a QImage) encoded as PNG; RuntimeError (the message for the user names `path`) when Qt cannot."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = not image.isNull() and image.save(buf, "PNG")
    buf.close()
    if not ok:
        raise RuntimeError(f"could not make a PNG of this view for {path}")
    return bytes(data.data())
