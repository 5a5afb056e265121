"""Drive the real NBF Studio window on the real model and save screenshots (QWidget.grab) into this folder.

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python docs/screenshots/take_screenshots.py \
        [--sample resources/samples/synthetic_01.png] [--photo resources/photos/two_people.jpg] \
        [--dataset data/synth_test] [--limit 36] [--size 1600x1000]

Writes (a throw-away settings file, the CPU, the shipped weights):
  welcome.png      the window before any image
  main.png         a synthetic sample: photo with the mesh overlay, parts, 3D body, inspector
  main_parts.png   the same with the parts: predicted part map beside the photo, 3D body in part colours
  two_people.png   a real photo with two people: boxes + keypoints, the second person picked
  folder.png       a folder of photos after "Run all" of every person: the side list with thumbnails and each
                   image's status (fit-quality colour, no person, error), one image shown
  dataset.png      the dataset tab: table, histogram, part confusion matrix, ground truth vs prediction of
                   one case (parts; meshes turning together, the prediction in its per-vertex error colours),
                   after `--limit` cases of the synthetic test split (then Stop)
  dataset_filter.png  the same with the histogram's highest bar clicked: the table lists only its cases
  bad_file.png     a truncated JPEG dropped after a result: the message banner, the result kept
  fits.png         the camera man (--fits-photo): the 3D pane from the side, refined fit | network fit
  quality.png      a half-length portrait (--quality-photo): the fit-quality line and the inspector's numbers
  params.png       a parameter file opened again (--photo fitted, its NAME_body.pkl exported beside a copy of the
                   photo, then the .pkl dropped): the body on its photo, "no part map", the sliders from the file
--only welcome,main,... takes just those (main_parts comes with main, dataset_filter with dataset). --size sets
the window size (check that nothing is cut off at e.g. 1280x720: `--size 1280x720 --out docs/screenshots/1280`).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inference.paths import RESOURCES  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", default=str(RESOURCES / "samples" / "synthetic_01.png"))
    ap.add_argument("--photo", default=str(RESOURCES / "photos" / "two_people.jpg"))
    ap.add_argument("--dataset", default=str(ROOT / "data" / "synth_test"))
    ap.add_argument("--limit", type=int, default=36, help="dataset cases to run before stopping")
    ap.add_argument("--fits-photo", default=str(RESOURCES / "photos" / "camera.png"))
    ap.add_argument("--quality-photo", default=str(RESOURCES / "photos" / "astronaut.jpg"))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    ap.add_argument("--only", default="", help="comma-separated shot names (default: all)")
    ap.add_argument("--size", default="1600x1000", help="window size WxH")
    ap.add_argument("--suffix", default="", help="added to every file name (e.g. _1280)")
    args = ap.parse_args()
    only = {n.strip() for n in args.only.split(",") if n.strip()}

    def want(name: str) -> bool:
        return not only or name in only

    from inference.render.context import configure_gl

    configure_gl()
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    from app.controller import Controller
    from app.settings import AppSettings, ModelConfig
    from widgets.main_window import MainWindow

    tmp = tempfile.mkdtemp()
    settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
    c = Controller(settings, config=ModelConfig(device="cpu"))
    w = MainWindow(c)
    w.ask_before_closing = False  # (closed by the script)
    width, height = (int(v) for v in args.size.lower().split("x"))
    w.resize(width, height)
    w.show()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def pump(seconds: float = 0.3):
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()
            time.sleep(0.01)

    def wait_idle(timeout: float = 180):
        end = time.time() + timeout
        pump(0.2)
        while (c.session.busy or c.decoding or w.dataset.running) and time.time() < end:  # a large photo decodes first
            pump(0.05)
        pump(0.8)  # the settle timers of the views (full-quality frames)

    def shot(name: str, widget=None):
        path = out / f"{name}{args.suffix}.png"
        (widget or w).grab().save(str(path))
        print("saved", path, "|", w.statusBar().currentMessage() or "", "|", w.banner.text)

    pump(0.5)
    if want("welcome"):
        shot("welcome")

    # a synthetic sample
    if want("main"):
        c.open_paths([args.sample])
        wait_idle()
        if c.session.prediction is None:
            print("no prediction on", args.sample, ":", w.banner.text)
            return 1
        shot("main")
        w.segmentation.set_mode("side")
        w.view_bar.colors.setCurrentIndex(1)  # part colours
        pump(0.6)
        shot("main_parts")
        w.segmentation.set_mode("overlay")
        w.view_bar.colors.setCurrentIndex(0)

    # a real photo with two people: pick the second one
    if want("two_people"):
        c.open_paths([args.photo])
        wait_idle()
        if len(c.session.people) > 1:
            w.photo.person_box.setCurrentIndex(1)
            wait_idle()
        else:
            print(f"{args.photo}: {len(c.session.people)} people detected; no picker to show")
        shot("two_people")

    # a half-length portrait: the fit-quality line under the photo title and its numbers in the inspector
    if want("quality"):
        c.open_paths([args.quality_photo])
        wait_idle()
        shot("quality")

    # the refined fit and the network's own, both kept: the 3D pane from the subject's left
    if want("fits"):
        import cv2
        import numpy as np

        from app.qt_images import from_qimage

        c.open_paths([args.fits_photo])
        wait_idle()
        if c.shown_fit() is None:
            print(f"{args.fits_photo}: not refined (no person detector?); no fits shot")
        else:
            w.mesh_view.set_preset("side")
            pump(0.8)
            photo = from_qimage(w.photo.grab().toImage())
            panes = []
            for which in ("refined", "network"):
                w._show_fit(which)
                pump(0.8)
                img = from_qimage(w.mesh_view.grab().toImage())
                cv2.putText(img, f"{which} fit, side view", (12, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                            (255, 255, 255), 2, cv2.LINE_AA)
                panes.append(img)
            h = panes[0].shape[0]
            photo = cv2.resize(photo, (int(photo.shape[1] * h / photo.shape[0]), h))
            cv2.imwrite(str(out / "fits.png"), np.hstack([photo] + panes)[..., ::-1])
            print("saved", out / "fits.png")
            w.mesh_view.set_preset("front")

    # a parameter file opened again: the photo fitted and its parameters written beside a copy of it (as `main.py
    # predict` writes NAME_body.pkl beside NAME_overlay.png), another image shown, then the file opened
    if want("params"):
        import shutil

        fits = Path(tmp) / "fits"
        fits.mkdir()
        photo = fits / Path(args.photo).name
        shutil.copy(args.photo, photo)
        c.open_paths([photo])
        wait_idle()
        if c.session.prediction is None:
            print("no prediction on", args.photo, ":", w.banner.text)
            return 1
        pkl = fits / f"{photo.stem}_body.pkl"
        c.export_params(pkl)
        c.open_paths([args.sample])
        wait_idle()
        c.open_paths([pkl])
        wait_idle()
        shot("params")

    # an error: a truncated JPEG dropped on top of a result
    if want("bad_file"):
        c.open_paths([args.sample])
        wait_idle()
        bad = Path(tmp) / "holiday.jpg"
        bad.write_bytes(Path(args.photo).read_bytes()[:4000])
        c.open_paths([bad])
        pump(0.5)
        shot("bad_file")
        w.banner.hide()

    # a folder of photos: "Run all" writes every result; the list shows each image's status
    if want("folder"):
        import shutil

        folder = Path(tmp) / "holiday"
        folder.mkdir()
        photos, samples = RESOURCES / "photos", RESOURCES / "samples"
        for src in (samples / "synthetic_01.png", samples / "synthetic_02.png", photos / "two_people.jpg",
                    photos / "grace_hopper.jpg", photos / "astronaut.jpg", photos / "rocket.jpg",
                    photos / "coffee.jpg"):
            shutil.copy(src, folder / src.name)
        (folder / "scan.jpg").write_bytes(Path(args.photo).read_bytes()[:3000])  # a damaged file
        c.open_paths([folder])
        wait_idle()
        w.folder_list.everyone.setChecked(True)  # every person of each photo (two_people.jpg: both)
        c.folder.run_all(Path(tmp) / "holiday_results", all_people=True)
        end = time.time() + 600
        while c.folder.running and time.time() < end:
            pump(0.05)
        row = [p.name for p in c.folder.paths].index("grace_hopper.jpg")
        c.open_folder_image(row)
        wait_idle()
        shot("folder")

    # the dataset tab: run a few dozen cases, stop, show a typical case
    if want("dataset") and args.dataset and Path(args.dataset).is_dir():
        panel = w.dataset_panel
        if w.open_dataset(args.dataset):
            end = time.time() + 600
            while len(w.dataset.model.results()) < args.limit and w.dataset.running and time.time() < end:
                pump(0.05)
            panel.stop_button.click()
            pump(0.3)
            res = [r for r in w.dataset.model.results() if not r.error]
            if res:
                res.sort(key=lambda r: r.pa_mpjpe)
                median = res[len(res) // 2]
                panel.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # PA-MPJPE
                panel.select_row(median.row)
                panel.table.scrollTo(panel.table.currentIndex())
            pump(0.8)
            panel.meshes.render_now()
            shot("dataset")
            h = panel.histogram
            if h.counts.size:
                h.choose_bin(int(h.counts.argmax()))
                pump(0.5)
                panel.meshes.render_now()
                shot("dataset_filter")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
