"""Network architectures of the two NBF stages (no training code, no weights)."""
from .fit_net import FitNet
from .seg_net import SegNet

__all__ = ["FitNet", "SegNet"]
