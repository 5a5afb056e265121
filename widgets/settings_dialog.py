"""Settings: body model (embedded or a user's SMPL file), device, refinement."""
from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.opening import typed_path
from app.settings import ModelConfig, cuda_available

DEVICE_LABELS = (("Automatic (GPU if available)", "auto"), ("CPU", "cpu"), ("GPU (CUDA)", "cuda"))


class SettingsDialog(QDialog):
    """Edits a ModelConfig; `apply()` hands it to the controller. Another body model file loads in the
    controller's loader thread: the dialog stays open meanwhile (the window keeps working), closes when the
    setting has applied, and shows the file's error inline when it does not load; Cancel drops the switch."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.controller = controller
        cfg = controller.config

        self.embedded = QRadioButton("Embedded body model (NBF-anny neutral, SMPL format)")
        self.custom = QRadioButton("SMPL model file:")
        group = QButtonGroup(self)
        group.addButton(self.embedded)
        group.addButton(self.custom)
        self.path = QLineEdit(cfg.body_model_path)
        self.path.setPlaceholderText("e.g. basicModel_neutral_lbs_10_207_0_v1.0.0.pkl")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.custom)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        (self.custom if cfg.body_model_path else self.embedded).setChecked(True)
        self.path.textEdited.connect(lambda _: self.custom.setChecked(True))

        self.device = QComboBox()
        for label, key in DEVICE_LABELS:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(max(0, self.device.findData(cfg.device)))
        self.cuda = cuda_available()
        if not self.cuda:  # chosen anyway, every photo would fail with "torch sees no CUDA device"
            item = self.device.model().item(self.device.findData("cuda"))
            item.setEnabled(False)
            item.setText("GPU (CUDA): none here")
            item.setToolTip("torch sees no CUDA device on this machine (a CPU build of torch, or no NVIDIA GPU)")
        self.refine = QCheckBox("Refine the fit to the person detector's keypoints, 3D landmarks and silhouette "
                                 "(0.2-0.8 s per person on a 2-core CPU; the network's own fit is kept beside it)")
        self.refine.setChecked(cfg.refine)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.waiting = QLabel()
        self.waiting.hide()
        self._pending: ModelConfig | None = None  # a setting whose body model is loading
        controller.configChanged.connect(self._on_config_changed)
        controller.bodyModelFailed.connect(self._on_failed)

        form = QFormLayout()
        form.addRow("Device", self.device)
        form.addRow("", self.refine)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<b>Body model</b>"))
        lay.addWidget(self.embedded)
        lay.addLayout(row)
        lay.addSpacing(8)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.waiting)
        lay.addWidget(buttons)
        self.resize(620, 240)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "SMPL model file", self.path.text(),
                                              "SMPL models (*.pkl *.npz);;All files (*)")
        if path:
            self.path.setText(path)
            self.custom.setChecked(True)

    def config(self) -> ModelConfig:
        """The setting as the dialog shows it; the body model path as an absolute path (a relative one is saved
        and, after a start from another folder, names nothing), `~` expanded (the loader would look for a folder
        named "~"), quotes and file:// taken off as a paste brings them."""
        text = typed_path(self.path.text()) if self.custom.isChecked() else ""
        path = os.path.abspath(os.path.expanduser(text)) if text else ""
        return ModelConfig(path, self.device.currentData(), self.refine.isChecked())

    def apply(self) -> bool:
        """Apply the settings: True when they apply now; False when the body model file is still loading (the
        dialog waits for it) or the path is missing (its message shown)."""
        if self.custom.isChecked() and not typed_path(self.path.text()):
            self._show_error("Choose an SMPL model file, or use the embedded body model.")
            return False
        if self.device.currentData() == "cuda" and not self.cuda:  # a setting saved on another machine
            self._show_error("torch sees no CUDA device on this machine: choose Automatic or CPU.")
            return False
        self.error.hide()
        cfg = self.config()
        if self.controller.apply_model_config(cfg):
            self._pending = None
            return True
        self._pending = cfg
        self.waiting.setText(f"Loading {cfg.body_model_path or 'the embedded body model'}…")
        self.waiting.show()
        self.ok.setEnabled(False)
        return False

    def _on_config_changed(self, cfg: ModelConfig) -> None:
        if self._pending is not None and cfg.body_model_path == self._pending.body_model_path:
            self._pending = None
            self.waiting.hide()
            self.ok.setEnabled(True)
            super().accept()

    def _on_failed(self, message: str) -> None:
        if self._pending is not None:
            self._pending = None
            self.waiting.hide()
            self.ok.setEnabled(True)
            self._show_error(message)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def accept(self) -> None:
        if self.apply():
            super().accept()

    def reject(self) -> None:
        if self._pending is not None:  # keep the model in use: the switch still loading is dropped
            self._pending = None
            self.controller.apply_model_config(self.controller.config, persist=False)
        super().reject()
