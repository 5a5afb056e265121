"""Sweep 114 (keyboard, accessibility, high DPI): the photo and part canvases and the 3D view take Tab focus and show
it, Enter in the people strip zooms, controls have names a screen reader can tell apart, the fit verdict is readable
(4.5:1) and not told by colour alone, and thumbnails and verdict dots are drawn at the screen's pixel ratio."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QVBoxLayout, QWidget

from app.qt_images import from_qimage
from inference.detect import Person
from inference.fit_quality import FitQuality

LIGHT = (239, 239, 239)  # the window background the sweep measured on
DARK = (30, 30, 30)


def _contrast(a, b) -> float:
    """WCAG 2 contrast ratio, written out here (not the widget's own helper) so the test measures independently."""
    def lum(rgb):
        c = np.asarray(rgb, float) / 255
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    la, lb = lum(a), lum(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _palette(window, text) -> QPalette:
    pal = QPalette(QApplication.palette())
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        pal.setColor(role, QColor(*window))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(role, QColor(*text))
    return pal


def _focus_changes_pixels(qtbot, widget, other) -> tuple[int, np.ndarray, np.ndarray]:
    """Pixels that differ between the widget grabbed without and with the keyboard focus (as the sweep's
    s8_focus.py measured), the focused picture and the unfocused one."""
    other.setFocus()
    qtbot.waitUntil(lambda: other.hasFocus(), timeout=2000)
    before = from_qimage(widget.grab().toImage())
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: widget.hasFocus(), timeout=2000)
    after = from_qimage(widget.grab().toImage())
    return int((np.abs(before.astype(int) - after.astype(int)).sum(-1) > 30).sum()), after, before


@pytest.fixture
def host(qtbot):
    from widgets.render_host import RenderHost

    h = RenderHost()
    yield h
    h.close()


def _window_with(qtbot, *widgets) -> tuple[QWidget, QPushButton]:
    w = QWidget()
    qtbot.addWidget(w)
    lay = QVBoxLayout(w)
    button = QPushButton("before")
    lay.addWidget(button)
    for x in widgets:
        lay.addWidget(x)
    w.resize(420, 200 + 200 * len(widgets))
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    return w, button


# ------------------------------------------------------------------ F6 / F7: focus
def test_the_canvas_is_in_the_tab_chain_shows_its_focus_and_pans_with_the_arrows(qtbot):
    """F6: the photo and part canvases had ClickFocus: Tab never reached them, so + / - / 0 needed a mouse click
    first, and nothing showed which panel the keys went to."""
    from widgets.image_canvas import ImageCanvas, focus_frames_hidden

    canvas = ImageCanvas("hint", name="photo")
    assert canvas.accessibleName() == "photo"
    w, button = _window_with(qtbot, canvas)
    canvas.set_base(np.full((300, 400, 3), 128, np.uint8))
    button.setFocus()
    qtbot.waitUntil(lambda: button.hasFocus(), timeout=2000)
    qtbot.keyClick(button, Qt.Key.Key_Tab)
    assert canvas.hasFocus()  # Tab lands on the canvas
    changed, focused, before = _focus_changes_pixels(qtbot, canvas, button)
    assert changed > 2 * (canvas.width() + canvas.height())  # a frame all round
    hl = canvas.palette().color(QPalette.ColorRole.Highlight)
    edge = focused[canvas.height() // 2, 0].astype(int)
    assert np.abs(edge - (hl.red(), hl.green(), hl.blue())).sum() < 30  # in the highlight colour, at the edge
    with focus_frames_hidden():  # (a screenshot of the view: the picture only)
        assert np.array_equal(from_qimage(canvas.grab().toImage()), before)
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.zoom > 1.0
    pan = canvas.pan
    qtbot.keyClick(canvas, Qt.Key.Key_Right)  # the view moves right: the image left
    assert canvas.pan.x() < pan.x() and canvas.pan.y() == pan.y()
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert canvas.pan.y() < pan.y()
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    assert canvas.zoom == 1.0


def test_the_3d_view_shows_its_focus_and_has_a_name(qtbot, host):
    """F7: Tab reached the 3D view and the arrows turned it, but no pixel changed with the focus."""
    from widgets.mesh_view import MeshView

    view = MeshView(host)
    assert view.accessibleName() == "3D body view"
    w, button = _window_with(qtbot, view)
    changed, _, _ = _focus_changes_pixels(qtbot, view, button)
    assert changed > 2 * (view.width() + view.height())


# ------------------------------------------------------------------ F6 / F10 / F11: the people strip
def _people(n: int) -> tuple:
    return tuple(Person(box=np.float32([20 + 60 * k, 10, 60 + 60 * k, 110]), score=0.9,
                        keypoints=np.zeros((33, 3), np.float32), mask=None, world=None) for k in range(n))


def _strip(qtbot):
    from widgets.people_list import PeopleList

    strip = PeopleList()
    qtbot.addWidget(strip)
    strip.resize(600, 200)
    strip.show()
    qtbot.waitExposed(strip)
    return strip


def test_enter_in_the_people_strip_zooms_to_the_person_as_a_double_click_does(qtbot):
    strip = _strip(qtbot)
    strip.set_people(_people(3), 0, np.zeros((200, 300, 3), np.uint8), 1.0)
    zooms = []
    strip.zoomRequested.connect(zooms.append)
    strip.list.setFocus()
    qtbot.keyClick(strip.list, Qt.Key.Key_Right)
    qtbot.keyClick(strip.list, Qt.Key.Key_Return)
    assert zooms == [1]
    qtbot.keyClick(strip.list, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert zooms == [1, 1]
    rect = strip.list.visualItemRect(strip.list.item(2))
    qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert zooms == [1, 1, 2]  # the double click still zooms, once


def test_the_strip_says_each_verdict_in_words_and_draws_its_tick_smoothly(qtbot):
    """F10: a person's fit quality was the tick's colour only; F11: the tick was drawn without antialiasing."""
    from widgets.people_list import THUMB

    strip = _strip(qtbot)
    strip.set_people(_people(3), 0, None, 1.0)
    strip.set_results({0: SimpleNamespace(quality=FitQuality(verdict="doubtful")),
                       1: SimpleNamespace(quality=FitQuality(verdict="bad")), 2: SimpleNamespace(quality=None)})
    names = [strip.list.item(n).data(Qt.ItemDataRole.AccessibleTextRole) or "" for n in range(3)]
    assert "doubtful" in names[0] and "bad" in names[1] and "fitted" in names[2]
    assert "doubtful" in (strip.list.item(0).data(Qt.ItemDataRole.AccessibleDescriptionRole) or "")
    icon = from_qimage(strip.list.item(0).icon().pixmap(strip.list.iconSize(), 1.0).toImage())
    tick = icon[3:3 + 20, icon.shape[1] - 22:icon.shape[1] - 3].reshape(-1, icon.shape[-1])[:, :3]
    assert len({tuple(c) for c in tick}) > 8  # blended edge pixels, not 3 flat colours
    assert strip.list.item(0).icon().pixmap(strip.list.iconSize(), 1.0).size().width() >= THUMB.width()


def test_thumbnails_are_drawn_at_the_device_pixel_ratio(qtbot):
    """F11: QPixmap(THUMB) was stretched to 108 x 156 device px at 200 %: blurry."""
    from widgets.people_list import ICON, THUMB, person_thumb

    display = np.random.default_rng(0).integers(0, 255, (200, 300, 3), np.uint8)
    pm = person_thumb(display, np.float32([20, 10, 80, 150]), 1.0, dpr=2.0)
    assert pm.devicePixelRatio() == 2.0 and pm.size() == QSize(2 * THUMB.width(), 2 * THUMB.height())
    strip = _strip(qtbot)
    strip.devicePixelRatioF = lambda: 2.0  # (as on a 200 % screen)
    strip.set_people(_people(2), 0, display, 1.0)
    thumb = strip._thumbs[0]
    assert thumb.devicePixelRatio() == 2.0 and thumb.size() == QSize(2 * THUMB.width(), 2 * THUMB.height())
    big = strip.list.item(0).icon().pixmap(ICON, 2.0)
    assert big.size() == QSize(2 * ICON.width(), 2 * ICON.height())


def test_verdict_dots_are_drawn_at_the_device_pixel_ratio_and_smooth(qtbot):
    from widgets.quality_badge import verdict_icon

    pm = verdict_icon((46, 160, 67), 12).pixmap(QSize(12, 12), 2.0)
    assert pm.size() == QSize(24, 24)
    img = pm.toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    alpha = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, 3: 4 * img.width(): 4]
    assert ((alpha > 0) & (alpha < 255)).sum() > 8  # antialiased rim


# ------------------------------------------------------------------ F10: contrast of the verdict text
def _text_contrast(qtbot, badge, label, window) -> float:
    """The highest contrast of the label's drawn pixels with the window colour: its text's colour."""
    qtbot.wait(20)
    img = from_qimage(badge.grab().toImage())[..., :3]
    g = label.geometry()
    pixels = img[g.top():g.bottom() + 1, g.left():g.right() + 1].reshape(-1, 3)
    return max(_contrast(tuple(int(v) for v in c), window) for c in {tuple(p) for p in pixels})


@pytest.mark.parametrize("window,text", [(LIGHT, (0, 0, 0)), (DARK, (255, 255, 255))])
def test_the_verdict_text_reads_at_4_5_to_1_on_light_and_dark_windows(qtbot, window, text):
    """F10: "doubtful fit" in amber on the light window was 2.0:1, "good fit" in green 2.9:1, the warning 3.6:1.
    The dot keeps the verdict's own colour (the colour cue)."""
    from widgets.quality_badge import QualityBadge

    badge = QualityBadge()
    qtbot.addWidget(badge)
    badge.setPalette(_palette(window, text))
    badge.resize(900, 40)
    for verdict in ("good", "doubtful", "bad"):
        q = FitQuality(verdict=verdict, agreement=0.8, agreement_n=20, warnings=("person cut by the frame",))
        badge.set_quality(q)
        badge.show()
        qtbot.waitExposed(badge)
        assert _text_contrast(qtbot, badge, badge.text, window) >= 4.5, verdict
        assert _text_contrast(qtbot, badge, badge.warn, window) >= 4.5, verdict
        dot = from_qimage(badge.dot.pixmap().toImage())
        centre = dot[dot.shape[0] // 2, int(dot.shape[1] * 0.78), :3].astype(int)  # (beside the shape drawn in it)
        assert np.abs(centre - q.color).sum() < 40


def test_the_verdict_text_follows_a_palette_changed_while_shown(qtbot):
    from widgets.quality_badge import QualityBadge

    badge = QualityBadge()
    qtbot.addWidget(badge)
    badge.setPalette(_palette(LIGHT, (0, 0, 0)))
    badge.resize(900, 40)
    badge.set_quality(FitQuality(verdict="bad", agreement=0.3, agreement_n=20))
    badge.show()
    qtbot.waitExposed(badge)
    badge.setPalette(_palette(DARK, (255, 255, 255)))  # red on near-black was 3.1:1
    assert _text_contrast(qtbot, badge, badge.text, DARK) >= 4.5


# ------------------------------------------------------------------ F9: names and tooltips
def test_the_panels_controls_have_names_and_tooltips_that_tell_them_apart(qtbot, host):
    from widgets.panels import PhotoPanel, SegmentationPanel, ViewTitleBar

    photo, parts, bar = PhotoPanel(host), SegmentationPanel(), ViewTitleBar()
    for w in (photo, parts, bar):
        qtbot.addWidget(w)
    assert photo.canvas.accessibleName() == "photo" and parts.canvas.accessibleName() == "part map"
    names = {photo.opacity.accessibleName(), parts.opacity.accessibleName()}
    assert names == {"photo overlay opacity", "part map overlay opacity"}
    assert photo.opacity.toolTip() != parts.opacity.toolTip()
    assert "photo" in photo.opacity.toolTip().lower() and "part map" in parts.opacity.toolTip().lower()
    for control in (photo.show_mesh, parts.mode, bar.colors):
        assert control.toolTip(), control


def test_the_banners_close_button_is_named(qtbot):
    from widgets.message_banner import MessageBanner

    banner = MessageBanner()
    qtbot.addWidget(banner)
    (close,) = banner.findChildren(QToolButton)
    assert close.accessibleName() == "Close message" and "close" in close.toolTip().lower()


def test_folder_thumbnails_are_decoded_at_the_device_pixel_ratio(tmp_path):
    """F11: the folder list's 72 px thumbnails were stretched to 144 device px at 200 %."""
    from PIL import Image

    from app.thumbnails import THUMB_SIDE, thumbnail

    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 600, 3), np.uint8)).save(path)
    assert thumbnail(path).width() == THUMB_SIDE  # (1x as before)
    sharp = thumbnail(path, dpr=2.0)
    assert sharp.width() == 2 * THUMB_SIDE and sharp.devicePixelRatio() == 2.0
