"""Persistent settings (QSettings, organization "NBF Studio")."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from inference.paths import resolved

ORGANIZATION = "NBF Studio"
APPLICATION = "NBF Studio"
DEVICES = ("auto", "cpu", "cuda")
MAX_RECENT = 10


@dataclass(frozen=True)
class ModelConfig:
    """What the worker needs to build a Predictor. body_model_path "" = the embedded model."""

    body_model_path: str = ""
    device: str = "auto"
    refine: bool = True


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (imports torch: asked only where a setting names the GPU)."""
    import torch

    return bool(torch.cuda.is_available())


def _bool(v, default: bool) -> bool:
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    return str(v).strip().lower() in ("1", "true", "yes", "on")


class AppSettings:
    """Typed access to the app's QSettings. Pass a QSettings (e.g. an INI file) in tests."""

    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)
        self._known: ModelConfig | None = None  # the model settings as this process first read them or last wrote them

    # -------------------------------------------------------------- model
    def model_config(self) -> ModelConfig:
        dev = str(self.q.value("model/device", "auto") or "auto")
        cfg = ModelConfig(str(self.q.value("model/body_model_path", "") or ""), dev if dev in DEVICES else "auto",
                          _bool(self.q.value("model/refine", True), True))
        if self._known is None:  # (the first read, at the start: later reads see other windows' saves, not ours)
            self._known = cfg
        return cfg

    def set_model_config(self, cfg: ModelConfig) -> None:
        """Save the model settings this process changed since it first read them or last wrote them: a second window
        sharing the settings file does not put back, on its OK, a setting the first one changed."""
        if cfg.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {cfg.device!r}")
        known = self._known
        for key in ("body_model_path", "device", "refine"):
            if known is None or getattr(cfg, key) != getattr(known, key):
                value = getattr(cfg, key)
                self.q.setValue(f"model/{key}", bool(value) if key == "refine" else value)
        self.q.sync()
        self._known = cfg

    # -------------------------------------------------------------- recent files
    def recent_files(self) -> list[str]:
        v = self.q.value("recent/files", [])
        if isinstance(v, str):
            v = [v] if v else []
        return [str(x) for x in (v or [])][:MAX_RECENT]

    def add_recent_file(self, path: str | Path) -> list[str]:
        p = resolved(path)
        try:  # a name with bytes that are no text (kept by Python as surrogates) would be stored garbled
            p.encode("utf-8")
        except UnicodeEncodeError:
            return self.recent_files()
        self.q.sync()  # (another window of the app may have added its own since: read them, not this one's old copy)
        files = [p] + [f for f in self.recent_files() if f != p]
        files = files[:MAX_RECENT]
        self.q.setValue("recent/files", files)
        self.q.sync()
        return files

    def remove_recent_file(self, path: str | Path) -> list[str] | None:
        """Drop a file from the list (one that is gone); the list left, or None when it was not listed."""
        p = resolved(path)
        self.q.sync()
        files = self.recent_files()
        if p not in files:
            return None
        files = [f for f in files if f != p]
        self.q.setValue("recent/files", files)
        return files

    def clear_recent_files(self) -> None:
        self.q.setValue("recent/files", [])

    # -------------------------------------------------------------- misc
    def value(self, key: str, default=None):
        return self.q.value(key, default)

    def set_value(self, key: str, value) -> None:
        self.q.setValue(key, value)

    def show_sample_on_start(self) -> bool:
        return _bool(self.q.value("ui/show_sample_on_start", True), True)

    def sync(self) -> None:
        self.q.sync()

    def unwritable(self) -> str:
        """'' when the settings are saved, else where they cannot be (its file, for the user): recent files, the
        window's layout and the Settings dialog's choices are then lost at the end of each session."""
        self.q.setValue("app/saves", True)  # (a write to try: with nothing to write, a sync reports no error)
        self.q.sync()
        if self.q.status() == QSettings.Status.AccessError:
            return self.q.fileName()
        return ""
