"""Opening files in the controller (OpeningMixin, a part of app.controller.Controller): dropped or chosen images
and folders, large images decoded in the background, parameter files read in their own thread, the clipboard's
images, Next/Previous in a list of images.

A small image is read at once (a bad file's message comes with the drop); a large one decodes in a thread and
answers by Relay.decoded (Controller._on_decoded); a parameter file is read, posed and put on its photo by the
params thread (app/params_open.py), which answers Controller._on_params_read / _on_params_failed. Every open
takes a new id of the opening counter: only the newest open is shown, and Esc takes one too. An image left behind
and opened again unchanged comes back as it was left (Controller._recall).
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from inference import image_io as imageio

from .params_open import OpenedParams, is_params_path
from .session import ShownImage

# Larger images are decoded (and scaled for display) in a background thread. Smaller ones are read at once, so a
# bad file's message comes with the drop: a 1 MP PNG decodes in about 25 ms on this CPU, while a 2 MP frame held
# the GUI thread for 40-440 ms with the display work after it.
LARGE_PIXELS = 1_000_000
_LATER = object()  # read_image's stand-in for an image being decoded in the background
_RECALL = object()  # ... for an image left behind, shown again as it was left


def file_key(source) -> tuple[str | None, tuple[int, int]]:
    """(resolved path, (size, mtime_ns)) of an image file; (None, ()) for a source that is no file (the clipboard)."""
    try:
        p = Path(source)
        st = p.stat()
        return (str(p.resolve()), (st.st_size, st.st_mtime_ns)) if p.is_file() else (None, ())
    except (OSError, ValueError):
        return None, ()


def typed_path(line: str) -> str:
    """The path a typed or pasted line names: without the spaces and quotes around it (a file manager's "Copy as
    path"), a file:// address decoded (percent-escapes; "" for another host's). Not checked, not expanded.

    A file:// address's percent-escapes are the bytes of the file's name ("%FF" for a name that is not UTF-8, as
    file managers copy it): they are decoded to bytes, then to the name as Python holds it (os.fsdecode), which
    gives back those bytes on open; decoded as UTF-8 text they became U+FFFD and named another file."""
    import os
    from urllib.parse import unquote_to_bytes, urlparse

    line = line.strip().strip('"').strip("'").strip()
    if line.lower().startswith("file://"):
        url = urlparse(line)
        line = os.fsdecode(unquote_to_bytes(url.path)) if url.netloc in ("", "localhost") else ""
    return line


def paths_in_text(text: str, limit: int = 1000) -> list[Path]:
    """The files or folders a pasted text names, one per line (at most `limit` lines): a bare path, one in quotes
    (a file manager's "Copy as path"), or a file:// address (percent-escapes decoded); the lines naming nothing
    that exists are left out. [] for text that names none."""
    found = []
    for line in text.splitlines()[:limit]:
        line = typed_path(line)
        if not line or len(line) > 4096:
            continue
        try:
            if Path(line).exists():
                found.append(Path(line))
        except (OSError, ValueError):  # (a name the system refuses: a NUL byte)
            continue
    return found


class OpeningMixin:
    """Opening images, folders and parameter files for Controller (app/controller.py). Its state is set up by
    Controller.__init__: image_list, image_index, _opening, _decoding, _decode_then, _params_waiting, _opened, _relay,
    _remembered; it uses the controller's signals, session, settings and folder, and its images left behind
    (_remember_shown, _can_recall, _recall) and jobs (_submit)."""

    __slots__ = ()  # no state of its own: the controller's, set up in its __init__

    def open_recent(self, path: str | Path) -> bool:
        """Open an entry of File > Recent files (an image, a folder or a parameter file, as a drop). One that is not
        there any more leaves the list, which says so, instead of failing again after every start."""
        p = Path(path)
        try:
            there = p.exists()
        except (OSError, ValueError):
            there = False
        if not there:
            left = self.settings.remove_recent_file(p)
            if left is not None:
                self.recentFilesChanged.emit(left)
            self.error.emit(f"{p.name} is not there any more (moved or deleted): removed from Recent files")
            return False
        return self.open_paths([p])

    def open_paths(self, paths) -> bool:
        """Open dropped/chosen files and folders. Folders in UP-3D layout go to the dataset panel;
        other folders open their images as a list (Next/Previous). The first readable image opens; the
        files that could not be read before it are listed in one error. Returns True if an image opened."""
        from inference.datasets import is_dataset_folder

        paths = [Path(raw) for raw in paths]
        params = [p for p in paths if is_params_path(p) and not p.is_dir()]
        if params:  # a parameter file opens alone: its body (and photo) replaces what is shown
            rest = [p for p in paths if p not in params]
            if not rest:
                if len(params) > 1:
                    self.warning.emit(f"parameter files open one at a time: {params[0].name} opens, "
                                      f"not the other {len(params) - 1}")
                return self.open_params(params[0])
            self.warning.emit(f"parameter files open one at a time, not with images: "
                              f"{', '.join(p.name for p in params)} not opened")
            paths = rest
        images: list[Path] = []
        for raw in paths:
            p = Path(raw)
            if p.is_dir():
                if is_dataset_folder(p):
                    self.datasetRequested.emit(str(p))
                    continue
                found = sorted(q for q in p.iterdir() if q.is_file() and imageio.is_image_path(q))
                if not found:
                    self.error.emit(f"no images found in folder {p}")
                images.extend(found)
            else:
                images.append(p)
        if not images:
            return False
        # the list Next/Previous walk (and the folder list) holds the files named as images, as a folder's does:
        # the others are said once, here, and are not stopped on again
        listed = images if len(images) == 1 else [p for p in images if imageio.is_image_path(p)]
        if len(listed) > 1:
            self.folder.set_images(listed)
        return self._open_first(images, listed)

    def _open_first(self, images: list[Path], listed: list[Path]) -> bool:
        """Open the first of `images` that reads (the others before it said in one error); `listed`: the list
        Next/Previous walk when it holds more than one. A large image decoding in the background is the first
        until it fails (`_on_decoded` then goes on with the images after it)."""
        failures = []
        for k, path in enumerate(images):  # noqa: B007 - k (the image that opened) is used below
            if self._can_recall(path):
                img = _RECALL
                break
            if self._large(path):
                img = _LATER
                break
            img, message = self.read_image(path)
            if img is not None:
                break
            failures.append(message)
            self.folder.record(str(path), error=message)
        if img is not None:  # the files after the first that opens are not read yet: the list says theirs later
            named = set(listed)  # (a list's `in` made a dropped folder of 630 photos cost 65 ms, 1890 half a second)
            failures += [f"{p.name}: not an image ({p.suffix or 'no suffix'})" for p in images[k + 1:]
                         if p not in named]
        if failures:
            n = len(failures)
            self.error.emit(failures[0] if len(images) == 1 else
                            f"could not open any of the {n} files: " + "; ".join(failures) if img is None else
                            f"skipped {n} file{'s' if n > 1 else ''} that could not be opened: " + "; ".join(failures))
        if img is None:
            return False
        if len(listed) > 1:
            at = listed.index(images[k]) if images[k] in listed else -1  # (a file without suffix that decodes)
            self.image_list, self.image_index = listed, at
            self.imageListChanged.emit(at, len(listed))
        elif images[k] not in self.image_list:
            self.image_list, self.image_index = [], -1
            self.imageListChanged.emit(-1, 0)
        if img is _RECALL:
            return self._recall(images[k])
        if img is _LATER:
            return self._open_later(images[k], (images[k + 1:], listed))
        return self._show_file(images[k], img)

    # ------------------------------------------------------------------ parameter files
    def open_params(self, path: str | Path) -> bool:
        """Open a parameter file (.npz / .json / _body.pkl, inference/export.py) as a result: read, posed and put
        on its photo (when found) in the params thread, then shown like a fitted body (edits, undo, exports). The
        GUI thread never waits; Esc or any newer open drops it; a file that does not read changes nothing (error
        says why in one line). It waits for the body model when that is still loading. Returns True when the
        read started."""
        p = Path(path)
        if self._can_recall(p):  # left for another image: back as it was left (edits included)
            self._leave_list_for(p)
            return self._recall(p)
        if self._body is None and not self._current_load:
            self.error.emit(f"{p.name}: no body model is loaded to pose it (see the settings)")
            return False
        job = self._opening.next()
        self._set_decoding(p.name)
        if self._body is None:  # posted by _set_body when the model has loaded
            self._params_waiting = (job, str(p))
            self.status.emit(f"opening {p.name} when the body model has loaded… (Esc stops)")
        else:
            self._params_waiting = None
            self._read_params.emit(job, str(p), self._body)
            self.status.emit(f"opening {p.name}… (Esc stops)")
        return True

    def opened_params(self) -> OpenedParams | None:
        """The parameter file whose body is on screen (edited or not); None when the result shown is a
        prediction (or nothing is shown)."""
        o = self._opened
        if o is None or self.session.shown is not o.shown or self.session.prediction is not o.prediction:
            return None
        return o

    def _no_photo_to_fit(self) -> bool:
        """True (and the status bar says so) when the body on screen came from a parameter file without its
        photo: there is nothing to run the model on."""
        o = self.opened_params()
        if o is None or o.photo:
            return False
        self.status.emit(f"{o.name} was opened without its photo: there is nothing to run the model on")
        return True

    # ------------------------------------------------------------------ images
    def read_image(self, path: str | Path):
        """(image, None) for a readable image file, else (None, the message). A damaged image (e.g. a JPEG
        with a corrupt middle) is read, with its message sent as a warning."""
        p = Path(path)
        try:
            with imageio.damage_notes() as damage:
                img = imageio.load_image(p)
        except imageio.ImageLoadError as exc:
            return None, str(exc)
        except MemoryError:
            return None, f"{p.name}: not enough memory to open this image"
        for message in damage:
            self.warning.emit(message)
        return img, None

    def open_file(self, path: str | Path, recent: bool = True) -> bool:
        """Load one image file and start predicting; a bad file shows a message and changes nothing. A parameter
        file opens as open_params does. recent=False: not a recent file (the sample the first start shows)."""
        p = Path(path)
        if is_params_path(p):
            return self.open_params(p)
        if self._can_recall(p):
            self._leave_list_for(p)
            return self._recall(p)
        large = self._large(p)
        if not large:
            img, message = self.read_image(p)
            if img is None:
                shown = self.session.shown
                if shown is not None and p in self.image_list:  # Next/Previous (or the folder list) moved on
                    message += f" (still showing {shown.name})"
                self.error.emit(message)
                left = None if p.exists() else self.settings.remove_recent_file(p)  # gone: not offered again
                if left is not None:
                    self.recentFilesChanged.emit(left)
                return False
        self._leave_list_for(p)
        return self._open_later(p) if large else self._show_file(p, img, recent)

    def open_case(self, path: str | Path) -> bool:
        """Show a dataset case's image (the Dataset tab's "Open in main view") predicted as the table scored
        it: the whole image is the person's crop (`Predictor.predict_case`), so the body, parts and exports are
        the ones whose errors the table lists. A case image is small (a crop): read here; what was kept of the
        same file opened as a photo is not recalled (a detector crop of it gives another answer)."""
        p = Path(path)
        img, message = self.read_image(p)
        if img is None:
            self.error.emit(message)
            return False
        self._leave_list_for(p)
        return self.open_array(img, str(p), already_checked=True, as_case=True)

    def _replace_shown(self, shown: ShownImage) -> None:
        """Show another image: nothing of the one left stays (its results, people, the fit kept or set aside,
        the people still to fit)."""
        self._kept = self._replaced = None
        self._everyone, self._everyone_job = [], 0
        self.session.clear_results()
        self.session.set_prediction(None)
        self.session.set_people((), 0)
        self.session.set_image(shown)

    def _leave_list_for(self, p: Path) -> None:
        """A file from outside the opened list of images: no image of it is the one on screen any more."""
        if p not in self.image_list:
            self.image_list, self.image_index = [], -1
            self.imageListChanged.emit(-1, 0)

    @staticmethod
    def _large(p: Path) -> bool:
        """A regular image file of more than LARGE_PIXELS (up to the limit) by its header, or a HEIC photo of any
        size (decoded by a separate program, inference/heif.py: a second or so for a phone's photo): decoded in the
        background. Anything else (small, unreadable, over the limit) is read at once, errors included."""
        try:
            if not p.is_file():
                return False
            with open(p, "rb") as f:
                if imageio.is_heif(f.read(64)):
                    return True
            from PIL import Image

            imageio.quiet_pillow()
            with Image.open(p) as im:  # the header only
                n = int(im.size[0]) * int(im.size[1])
        except Exception:  # noqa: BLE001 - not for PIL (or too large for it): the decoder says why
            return False
        return LARGE_PIXELS < n <= imageio.MAX_PIXELS

    def _open_later(self, p: Path, then: tuple = ((), ())) -> bool:
        """Decode a large image and its display copy in a background thread; shown by _on_decoded unless
        another image was opened meanwhile. The GUI thread never waits on the decoder. then: (the images of the
        same drop after it, the list Next/Previous walk), opened by `_open_first` if it does not decode."""
        token = self._opening.next()
        self._decode_then = (token, *then)
        self._set_decoding(p.name)
        self.status.emit(f"opening {p.name}… (Esc stops)")

        def work() -> None:
            result, messages = None, []
            stamp = file_key(p)[1]  # (before the read: a file saved again while it decodes is not this one)
            try:
                with imageio.damage_notes() as damage:
                    img = imageio.load_image(p)
                result = (img, *imageio.display_copy(img), stamp)
                messages = damage
            except imageio.ImageLoadError as exc:
                messages = [str(exc)]
            except MemoryError:
                messages = [f"{p.name}: not enough memory to open this image"]
            except Exception as exc:  # noqa: BLE001 - reported, never raised in a thread
                messages = [f"{p.name}: {type(exc).__name__}: {exc}"]
            relay.decoded.emit(token, p, result, messages)

        relay = self._relay
        threading.Thread(target=work, name="nbf-decode", daemon=True).start()
        return True

    def _set_decoding(self, name: str | None) -> None:
        changed = (name is None) != (self._decoding is None)
        self._decoding = name
        if changed:
            self.decodingChanged.emit(name is not None)

    @property
    def decoding(self) -> bool:
        return self._decoding is not None

    def _show_file(self, p: Path, img, recent: bool = True) -> bool:
        """Show an image read from the file p (recent: recent files updated) and start predicting."""
        if recent:
            files = self.settings.add_recent_file(p)
            self.recentFilesChanged.emit(files)
        return self.open_array(img, str(p), already_checked=True)

    def open_array(self, image, source: str = "clipboard", already_checked: bool = False,
                   display: tuple | None = None, as_case: bool = False, stamp: tuple | None = None) -> bool:
        """Show an RGB uint8 image (H, W, 3) (from a file, the clipboard, a test) and start predicting.
        display: its (display copy, scale) when already made (imageio.display_copy); as_case: a dataset case
        (`open_case`); stamp: the file's `file_key` state when it was read (default: now)."""
        self._opening.next()  # a large image still decoding (a parameter file being read) is not shown over this one
        self._set_decoding(None)
        self._remember_shown()
        key, now = file_key(source)
        stamp = now if stamp is None else stamp
        self._remembered.pop(key, None)  # opened anew: what was kept of it is superseded

        try:
            img = image if already_checked else imageio.to_rgb_uint8(np.asarray(image), bgr=False)
            h, w = img.shape[:2]
            if not already_checked and h * w > imageio.MAX_PIXELS:
                raise imageio.ImageLoadError(f"{source}: {w} x {h} is over the {imageio.MAX_PIXELS // 10**6} "
                                             "megapixel limit")
        except imageio.ImageLoadError as exc:
            self.error.emit(str(exc))
            return False
        display, scale = display if display is not None else imageio.display_copy(img)
        self._replace_shown(ShownImage(img, display, scale, source, as_case, stamp))
        self.status.emit(f"opened {self.session.shown.name} ({w} x {h})")
        self._submit()
        return True

    def open_neighbour(self, step: int) -> bool:
        """Next (+1) / previous (-1) image of an opened folder."""
        if not self.image_list:
            return False
        n = len(self.image_list)
        i = (self.image_index + step) % n
        self.image_index = i
        self.imageListChanged.emit(i, n)
        return self.open_file(self.image_list[i])

    def open_folder_image(self, row: int) -> bool:
        """Show the `row`-th image of the folder list (Next/Previous then walk that list)."""
        paths = self.folder.paths
        if not 0 <= row < len(paths):
            return False
        if self.image_list != paths:
            self.image_list = list(paths)
        self.image_index = row
        self.imageListChanged.emit(row, len(paths))
        return self.open_file(paths[row])
