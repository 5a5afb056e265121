"""The colours (RGB, 0..255) the project draws people and fit checks in, wherever they are drawn: the OpenCV
pictures of detections (`detect.draw`), the app's QPainter overlay (widgets/people_overlay.py), the scene files
(`scene`) and the fit check's verdict. Plain tuples, no OpenCV: the scene writer and the widgets read them
without loading the drawing code."""
from __future__ import annotations

# one colour per person of a wide shot, ten apart before they repeat (the search keeps up to 20 people)
PERSON_COLORS = ((0, 220, 0), (255, 0, 200), (0, 200, 255), (255, 255, 0), (255, 60, 60),
                 (255, 150, 0), (150, 90, 255), (0, 150, 110), (255, 255, 255), (140, 100, 60))
# figures the search turned away as animals: grey, no person's colour (they are no person)
SET_ASIDE_RGB = (200, 200, 200)
# a BlazePose landmark and the bone ending at it by its side of the body (`detect.person.LANDMARK_SIDE`): the
# subject's left in blue, right in orange, the middle of the face light grey
SIDE_COLORS = {"left": (40, 120, 255), "right": (255, 140, 0), "mid": (230, 230, 230)}
# the fit check's verdict (`fit_quality.FitQuality.verdict`)
VERDICT_COLORS = {"good": (46, 160, 67), "doubtful": (219, 160, 0), "bad": (207, 34, 46), "unknown": (130, 130, 130)}
