"""The controller's GUI-thread body model: loaded in a background thread, at start-up (in the app, once the window
has painted: start_body_load) and when the settings switch to another file, and the model settings applied
(BodyLoadingMixin, a part of app.controller.Controller).

The loader thread -> Relay.bodyLoaded (queued to the GUI thread) -> Controller._on_body_loaded -> the current
model, or the switch's whole setting at once -> bodyModelChanged. Until then the app goes on with the model it
has: the GUI thread never waits for the loader.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from .gc_pauses import settle
from .relay import Relay
from .settings import ModelConfig


def _load_body_in_background(load, token: int, path: str, relay: Relay) -> None:
    """Loader thread: the body model of `path` and what +1 of each beta does on it (the inspector's tooltips,
    0.1-0.2 s), both here and not on the GUI thread; the answer goes back by relay.bodyLoaded."""
    try:
        body = load(path)
    except Exception as exc:  # noqa: BLE001 - BodyModelError and friends: reported on the GUI thread
        relay.bodyLoaded.emit(token, None, (), str(exc))
        return
    from inference.body_measure import beta_effects

    try:
        effects = beta_effects(body)  # also builds the shape-measuring basis that the height and weight use
    except Exception:  # noqa: BLE001 - a body model without a usable shape basis still poses: plain slider labels
        effects = ()
    settle()  # the body model and smplx: kept for the process's life (app/gc_pauses.py)
    relay.bodyLoaded.emit(token, body, effects, None)


def _model_name(path: str) -> str:
    """The body model of setting `path` (str, "" for the embedded one) as the status bar names it."""
    return Path(path).name if path else "(embedded)"


@dataclass(frozen=True)
class BodySwitch:
    """A body-model switch waiting for its file to load: the setting that applies, all of it, when it has."""

    token: int
    config: ModelConfig
    persist: bool


class BodyLoadingMixin:
    """The body model of Controller (app/controller.py): body_model(), its loads and switches, apply_model_config.
    Its state is set up by Controller.__init__: _body, _effects, _load_token, _loaders, _held_load, _switch,
    _current_load, _body_failure, _relay; it uses the controller's signals and its opening (_params_waiting) and editing
    (_pending, _throttle) state."""

    __slots__ = ()  # no state of its own: the controller's, set up in its __init__

    def body_model(self):
        """The GUI-thread BodyModel of the current settings; None while it is still loading (bodyModelChanged
        announces it) or when its file did not load (error said why). Never waits for the loader."""
        return self._body

    @property
    def beta_effects(self) -> tuple:
        """What +1 of each beta does on body_model() (inference.body_measure.BetaEffect), measured by its loader
        thread; () while none is loaded or for a body model without a usable shape basis."""
        return self._effects

    @property
    def body_model_switching(self) -> bool:
        """A switch to another body model file is loading (the current one is in use until it has)."""
        return self._switch is not None

    @staticmethod
    def _load_body(path: str):
        from inference.body_model import BodyModel

        return BodyModel(path or None)

    def _start_body_load(self, path: str, held: bool = False) -> int:
        """Load the body model of `path` in a new loader thread; its answer comes to _on_body_loaded with the
        token returned here. held: the thread waits for start_body_load() to start it."""
        self._load_token += 1
        t = threading.Thread(target=_load_body_in_background, name="nbf-body-load", daemon=True,
                             args=(self._load_body, self._load_token, path, self._relay))
        if held:
            self._held_load = t
        else:
            self._run_loader(t)
        return self._load_token

    def _run_loader(self, t: threading.Thread) -> None:
        self._loaders = [x for x in self._loaders if x.is_alive()] + [t]
        t.start()

    def start_body_load(self) -> None:
        """Start the start-up's body model load that Controller(defer_body_load=True) held back. The app's window
        calls it after its first paint (cli/cmd_gui.py DetectorAfterFirstPaint, with a fallback for a window that
        never paints): the loader's torch import would otherwise compete for the interpreter lock with building,
        showing and painting the window. Once only: later calls, and calls after shutdown, do nothing."""
        t, self._held_load = self._held_load, None
        if t is not None:
            self._run_loader(t)

    def _report_body_error(self, message: str) -> None:
        # (the banner says where to mend it: a model file saved in the settings and deleted since left an app that
        # could fit nothing, and the photos' errors named the file without a word of the settings)
        self._body_failure.fail(f"body model: {message}; File > Settings chooses another file or the embedded model")
        self.bodyModelFailed.emit(message)

    def _fall_back_to_embedded(self, message: str) -> None:
        """The setting's body model file did not load (saved in the settings and moved or deleted since, or
        damaged): this session goes on with the embedded model, and the settings keep the file (it may come back:
        a drive not mounted yet)."""
        self._overrides["body_model_path"] = ""
        self._apply_config(replace(self.config, body_model_path=""), persist=False)
        self._current_load = self._start_body_load("")
        self.bodyModelFailed.emit(message)
        self.error.emit(f"body model: {message}; this session uses the embedded body model until File > Settings "
                        "chooses another file")

    def settings_closed(self) -> None:
        """The settings dialog closed: a body model failure it showed is answered (the model in use is unchanged),
        unless a switch it started is still loading (its failure, if it fails, stays up)."""
        if not self.body_model_switching:
            self._body_failure.resolve()

    def _set_body(self, body, effects) -> None:
        self._body, self._effects = body, tuple(effects)
        self._body_failure.resolve()
        self.bodyModelChanged.emit(body)
        if self._pending is not None:  # an edit made while no body model was loaded (see _repose)
            self._throttle.start()
        waiting, self._params_waiting = self._params_waiting, None
        if waiting is not None and not self._opening.is_stale(waiting[0]):
            self.status.emit(f"opening {Path(waiting[1]).name}… (Esc stops)")
            self._read_params.emit(waiting[0], waiting[1], body)

    @property
    def joint_names(self) -> tuple[str, ...]:
        """SMPL's 24 joint names, in its order. From the torch-free inference.joints: the inspector reads them while
        the window is built, on the GUI thread, and inference.body_model would import torch there (1.3-1.5 s before
        the first paint)."""
        from inference.joints import JOINT_NAMES

        return JOINT_NAMES

    def apply_model_config(self, cfg: ModelConfig, persist: bool = True) -> bool:
        """Switch body model / device / refinement. With the same body model file the setting applies now
        (True). Another file loads in a background thread (False): the current model and setting stay in use
        until it has, then the whole setting applies at once (configChanged, bodyModelChanged); a file that does
        not load changes nothing (bodyModelFailed and error say why). A newer call supersedes a switch still
        loading: only the newest setting ever applies."""
        path = cfg.body_model_path
        if path == self.config.body_model_path:
            # back to the model in use: a switch still loading is dropped when it arrives, and the status bar's
            # "loading body model …" is answered
            dropped, self._switch = self._switch, None
            if dropped is not None:
                self.status.emit(f"stopped loading body model {_model_name(dropped.config.body_model_path)}: "
                                 "the body model in use is kept")
            self._apply_config(cfg, persist)
            if self._body is None and not self._current_load:
                self._current_load = self._start_body_load(path)  # it failed before: the file may be fixed now
            return True
        if self._switch is not None and self._switch.config.body_model_path == path:
            self._switch = replace(self._switch, config=cfg, persist=persist)  # that file is loading already
            return False
        self._switch = BodySwitch(self._start_body_load(path), cfg, persist)
        self.status.emit(f"loading body model {_model_name(path)}…")
        return False

    def _to_save(self, cfg: ModelConfig) -> ModelConfig:
        """cfg as the settings keep it: a setting of this session only (Controller._overrides) that the user left
        as it is keeps its saved value; one the user changed is the user's from now on."""
        saved, keep = self.settings.model_config(), {}
        for name, value in list(self._overrides.items()):
            if getattr(cfg, name) == value:
                keep[name] = getattr(saved, name)
            else:
                del self._overrides[name]
        return replace(cfg, **keep)

    def _apply_config(self, cfg: ModelConfig, persist: bool, body=None, effects=()) -> None:
        """Use `cfg` from now on; body: its body model when that is another one (a switch that has loaded)."""
        changed = cfg != self.config
        if cfg.body_model_path != self.config.body_model_path:
            self._current_load = 0  # the old setting's model, if it is still loading, is not wanted any more
        self.config = cfg
        if persist:
            self.settings.set_model_config(self._to_save(cfg))
        if body is not None:
            self._set_body(body, effects)
        if changed:
            self.configChanged.emit(cfg)
            self._configure.emit(cfg)
            self.folder.configure(cfg)
            if self.opened_params() is not None:  # a body read from a file, not fitted: nothing to run again
                if body is not None and self.session.params is not None:  # posed on the new body model
                    self._pending = self.session.params
                    self.flush()
            elif self.session.shown is not None:
                self.rerun()
