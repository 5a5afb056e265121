"""widgets/people_list.py: the strip of people under the photo asks for the person a user picks, by mouse or by
keyboard, once per pick (no detector needed: people drawn by hand)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from inference.detect import Person


def _people(n: int) -> tuple:
    return tuple(Person(box=np.float32([20 + 60 * k, 10, 60 + 60 * k, 110]), score=0.9,
                        keypoints=np.zeros((33, 3), np.float32), mask=None, world=None) for k in range(n))


def _click(qtbot, strip, row: int) -> None:
    rect = strip.list.visualItemRect(strip.list.item(row))
    qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_pick_by_mouse_or_keyboard_asks_for_that_person_once(qtbot):
    """helper-82: the arrow keys moved the highlight and the person shown stayed (the strip reacted to clicks
    only). A click on another person asks once (its press moves the row, its release clicks); a click on the
    person already current asks again, as before (the photo pane passes over it); showing a person from elsewhere
    (`set_current`) asks for nothing."""
    from widgets.people_list import PeopleList

    strip = PeopleList()
    qtbot.addWidget(strip)
    strip.resize(600, 200)
    strip.show()
    qtbot.waitExposed(strip)
    strip.set_people(_people(4), 0, np.zeros((200, 300, 3), np.uint8), 1.0)
    asked = []
    strip.personRequested.connect(asked.append)
    _click(qtbot, strip, 2)
    qtbot.wait(20)
    assert asked == [2] and strip.list.currentRow() == 2
    _click(qtbot, strip, 2)
    assert asked == [2, 2]
    strip.list.setFocus()
    qtbot.keyClick(strip.list, Qt.Key.Key_Right)
    assert asked == [2, 2, 3] and strip.list.currentRow() == 3
    qtbot.keyClick(strip.list, Qt.Key.Key_Left)
    qtbot.wait(20)
    _click(qtbot, strip, 2)  # the row the keys moved to: a click on it asks again
    assert asked == [2, 2, 3, 2, 2]
    strip.set_current(0)
    qtbot.wait(20)
    assert asked == [2, 2, 3, 2, 2] and strip.list.currentRow() == 0
