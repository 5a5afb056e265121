"""NBF Studio's training: data engine, losses, loops (beside app/, never imported by inference/)."""
import inference as _inference  # noqa: F401  (gives OpenCV the app's pixel limit before any module here loads cv2)
