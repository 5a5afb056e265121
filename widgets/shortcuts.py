"""Help › Keyboard shortcuts: every menu action that has a shortcut (read from the menus, so the list
never goes stale) and the keys and mouse gestures of the views, in one non-modal dialog."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

# (widgets/main_window.py TypingKeys: why they are not the shortcuts then)
ONE_KEY_NOTE = ("Keys without Ctrl or Alt (N, R, P, 1, 3, 7, 9) act on the Photo tab only, and not while a list, a "
                "text field or a box has the keyboard focus: typed there, they search it. Alt and a menu's "
                "underlined letter opens it; Tab moves between the controls and views.")

MOUSE = (  # (where, key or gesture, what it does); "focused": after Tab (or a click) onto that view
    ("3D view", "Left-drag", "rotate"),
    ("3D view", "Right- or middle-drag", "pan"),
    ("3D view", "Wheel", "zoom"),
    ("3D view", "Click a joint", "select it in the inspector"),
    ("3D view (focused)", "Arrows / Shift+arrows / + and -", "rotate 5° / pan / zoom"),
    ("Photo", "Click inside a person's box", "fit that person, or show them if fitted (several people)"),
    ("Photo / Parts", "Wheel", "zoom about the cursor (both panels follow)"),
    ("Photo / Parts (focused)", "+ / -", "zoom about the panel's centre (both panels follow)"),
    ("Photo / Parts (focused)", "Arrows when zoomed", "pan the image"),
    ("Photo / Parts", "Left-drag when zoomed", "pan the image"),
    ("Photo / Parts", "Double-click; 0 or Home (focused)", "fit the image to the panel again"),
    ("Photo", "Shift+drag a box", "fit a person the search missed (head to feet in the box)"),
    ("People strip", "Click a person; Left / Right", "show or fit that person / the one beside"),
    ("People strip", "Double-click a person; Enter", "zoom the photo onto them"),
    ("People strip", "Fit everyone", "fit every person of the photo, keeping each result"),
    ("Inspector", "Hover a β", "what that shape component does on this body model"),
    ("Photo", "Hover the fit indicator", "the fit-quality numbers and warnings"),
    ("Window", "Drop files or folders", "open photos, a folder of photos or a dataset"),
    ("Folder list", "Click an image", "show it (its status: not run, done with the fit colour, no person, error)"),
    ("Folder list", "Up / Down, Home / End", "show the image highlighted (once the keys rest)"),
    ("Folder list", "Enter or Space", "show the highlighted image at once"),
    ("Folder list", "Run all…", "fit every image (with Every person ticked: everyone in it) and write every result "
                                "to a folder (Replace results: over what is there); Cancel keeps what is written"),
    ("Dataset table", "Enter or double-click a row", "open that case in the main view (as Open in main view)"),
    ("Dataset histogram", "Click a bar / click it again", "show only that bin's cases in the table / all cases"),
    ("Dataset histogram (focused)", "Left / Right, Home / End", "mark a bar (its range and count are shown)"),
    ("Dataset histogram (focused)", "Enter or Space; Esc", "show only the marked bar's cases (pressed again: all "
                                                            "cases); show all cases"),
    ("Dataset meshes", "Left-drag either body", "rotate both (ground truth and prediction) together"),
)


def menu_shortcuts(menubar) -> list[tuple[str, str, str]]:
    """(menu path, shortcut text, action text) for every action with a shortcut under the menu bar."""
    out: list[tuple[str, str, str]] = []

    def walk(menu, path):
        for a in menu.actions():
            sub = a.menu()
            if sub is not None and sub is not menu:
                walk(sub, f"{path} › {sub.title().replace('&', '')}")
                continue
            if a.isSeparator() or a.shortcut().isEmpty():
                continue
            keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
            out.append((path, keys, a.text().replace("&", "").rstrip("…")))

    for a in menubar.actions():
        if a.menu() is not None:
            walk(a.menu(), a.menu().title().replace("&", ""))
    return out


class ShortcutsDialog(QDialog):
    """The rows wrap and are as tall as their text (at a fixed height the long ones were cut, "…write every result
    to a …"); each row's tooltip holds it whole as well."""

    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(k, f"{t} ({m})") for m, k, t in menu_shortcuts(window.menuBar())]
        rows += [(g, f"{what} ({where})") for where, g, what in MOUSE]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Key / gesture", "Does"])
        for r, (k, t) in enumerate(rows):
            for col, text in enumerate((k, t)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{k}: {t}")
                self.table.setItem(r, col, item)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        self.note = QLabel(ONE_KEY_NOTE)
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(560, 600)


def show_shortcuts(window) -> ShortcutsDialog:
    """Show (and keep, one per window) the shortcuts dialog; F1 again brings it forward with the keyboard (raised
    but not activated, the keys stayed in the main window and F1 seemed to do nothing)."""
    dlg = getattr(window, "_shortcuts_dialog", None)
    if dlg is None:
        dlg = window._shortcuts_dialog = ShortcutsDialog(window)
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg
