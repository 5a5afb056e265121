"""Re-extract the detector models (BlazePose, the selfie segmenter) from the pinned MediaPipe wheel; check their hashes.

Also writes models.json (each file's bytes and sha256), which the app checks before loading a model
(inference/integrity.py).

    python resources/detector/extract_models.py [--out resources/detector]

Needs pip and access to PyPI (set-up time only; nothing is fetched when the app runs).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "mediapipe==0.10.21"
FILES = {
    "mediapipe/modules/pose_detection/pose_detection.tflite":
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "mediapipe/modules/pose_landmark/pose_landmark_full.tflite":
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite":
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "-d", tmp, WHEEL],
                       check=True)
        wheel = next(Path(tmp).glob("mediapipe-*.whl"))
        manifest = {}
        with zipfile.ZipFile(wheel) as z:
            for member, digest in FILES.items():
                data = z.read(member)
                if hashlib.sha256(data).hexdigest() != digest:
                    print(f"error: {member} in {wheel.name} does not match the recorded sha256")
                    return 1
                (args.out / Path(member).name).write_bytes(data)
                print(f"{args.out / Path(member).name}: {len(data):,} bytes, sha256 ok")
                manifest[Path(member).name] = {"bytes": len(data), "sha256": digest}
    (args.out / "models.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
