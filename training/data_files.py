"""Which errors reading a data file of a set or a cache raises (the shards of training/cache.py, the crowd frames of
training/synth/crowd.py); inference.read_problems.read_problem says what each means to a user."""
from __future__ import annotations

import zipfile
import zlib

# what reading an .npz raises for a file that is not a whole archive of plain arrays
NPZ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
