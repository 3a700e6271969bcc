"""Camera sources (摄像头), no Qt: a webcam through OpenCV, or files standing in for one.

``Camera`` is the protocol the capture window reads from: ``read()`` gives the next BGR
frame or ``None`` (the camera is lost or a finite source has ended), ``close()`` lets the
device go, ``fps``/``width``/``height`` describe what it delivers. Every implementation is
a context manager and is safe to ``close()`` from another thread while ``read()`` waits.

* ``OpenCVCamera``: ``cv2.VideoCapture``. A missing camera, or one that opens but delivers
  nothing (held by another program), is a ``CameraUnavailable`` at construction, in words.
* ``FileCamera``: a video file or a folder of images, looping, at a target frame rate: the
  demo station's camera and the tests'.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import cv2
import numpy as np

from station.photo.errors import CameraUnavailable
from station.photo.images import as_bgr

__all__ = ["Camera", "CameraUnavailable", "FileCamera", "OpenCVCamera"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
FOLDER_FPS = 15.0  # a folder of stills has no frame rate of its own
CACHE_LIMIT = 200  # decode a folder's images once if there are at most this many
READ_ATTEMPTS = 5  # a webcam drops a frame now and then; five misses in a row is "lost"


@runtime_checkable
class Camera(Protocol):
    def read(self) -> np.ndarray | None: ...

    def close(self) -> None: ...

    @property
    def fps(self) -> float: ...

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...


class _Closing:
    """What the cameras share: their size and rate, and context-manager plumbing."""

    _fps: float
    _width: int
    _height: int

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_log_lock = threading.Lock()


def _quiet_open(source: int | str, backend: int) -> cv2.VideoCapture:
    # OpenCV prints "[ WARN ...] can't open camera by index" to stderr for a missing device;
    # the operator gets our message instead. The log level is process-wide, hence the lock.
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is None:  # a build without the logging module: live with the warning
        return cv2.VideoCapture(source, backend)
    with _log_lock:
        level = logging.getLogLevel()
        logging.setLogLevel(logging.LOG_LEVEL_ERROR)
        try:
            return cv2.VideoCapture(source, backend)
        finally:
            logging.setLogLevel(level)


def _read_image(path: Path) -> np.ndarray | None:
    # Bytes through Python, not cv2.imread: OpenCV's own file opening fails on Windows for
    # paths with Chinese characters.
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def default_backend() -> int:
    """DirectShow on Windows (Media Foundation, the default there, often takes seconds to
    open a webcam); elsewhere whatever OpenCV picks (V4L2 on Linux)."""
    return cv2.CAP_DSHOW if sys.platform == "win32" else cv2.CAP_ANY


class OpenCVCamera(_Closing):
    """A webcam by device index (or a device path such as ``/dev/video2``). ``width`` and
    ``height`` are requested; the camera may choose another size, which the properties then
    report."""

    def __init__(
        self,
        device_index: int | str = 0,
        width: int = 640,
        height: int = 480,
        *,
        backend: int | None = None,
    ) -> None:
        self.device_index = device_index
        self._lock = threading.Lock()
        cap = _quiet_open(device_index, default_backend() if backend is None else backend)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(
                f"找不到摄像头 {device_index}（未连接或驱动未安装），请检查连接后重试",
                f"no camera {device_index}: not connected or no driver",
            )
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap: cv2.VideoCapture | None = cap
        # A camera held by another program opens but delivers nothing: find out now.
        first = self._grab()
        if first is None:
            self.close()
            raise CameraUnavailable(
                f"摄像头 {device_index} 没有画面（可能被其他程序占用），请关闭其他程序后重试",
                f"camera {device_index} delivers no picture (in use by another program?)",
            )
        self._pending: np.ndarray | None = first
        self._height, self._width = first.shape[:2]
        reported = cap.get(cv2.CAP_PROP_FPS)
        self._fps = float(reported) if reported and 0 < reported < 1000 else 30.0

    def _grab(self) -> np.ndarray | None:
        for _ in range(READ_ATTEMPTS):
            with self._lock:
                if self._cap is None:
                    return None
                ok, frame = self._cap.read()
            if ok and frame is not None and frame.size:
                return as_bgr(frame)
            time.sleep(0.02)
        return None

    def read(self) -> np.ndarray | None:
        """The next frame; ``None`` after several failed reads in a row (camera lost)."""
        pending, self._pending = self._pending, None
        return pending if pending is not None else self._grab()

    def close(self) -> None:
        with self._lock:
            self._pending = None
            if self._cap is not None:
                self._cap.release()
                self._cap = None


class FileCamera(_Closing):
    """Frames from a video file or a folder of images, looping, at ``fps`` frames a second.

    ``fps`` defaults to the video's own rate (or ``FOLDER_FPS`` for a folder);
    ``realtime=False`` delivers as fast as it can (tests, benchmarks). ``width``/``height``
    resize every frame; by default frames keep the first frame's size. ``loop=False``
    ends (``read()`` gives ``None``) after the last frame.
    """

    def __init__(
        self,
        source: str | Path,
        fps: float | None = None,
        *,
        width: int | None = None,
        height: int | None = None,
        realtime: bool = True,
        loop: bool = True,
    ) -> None:
        self.source = Path(source)
        self.loop = loop
        self.realtime = realtime
        self._lock = threading.Lock()
        self._files: list[Path] = []
        self._cache: dict[int, np.ndarray] = {}
        self._cap: cv2.VideoCapture | None = None
        self._index = 0
        self._closed = False
        native = self._open()
        self._fps = float(fps) if fps else native
        if self._fps <= 0:
            raise ValueError("fps must be positive")
        self._size: tuple[int, int] | None = (width, height) if width and height else None
        first = self._next_frame()
        if first is None:
            self.close()
            raise CameraUnavailable(
                f"{self.source} 中没有可读的画面", f"{self.source} holds no readable frame"
            )
        self._height, self._width = first.shape[:2]
        self._size = (self._width, self._height)
        self._pending: np.ndarray | None = first
        self._due = 0.0  # when the next frame may be delivered (monotonic), 0: now

    def _open(self) -> float:
        if self.source.is_dir():
            self._files = sorted(
                p for p in self.source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
            )
            if not self._files:
                raise CameraUnavailable(
                    f"文件夹 {self.source} 中没有图像", f"no images in {self.source}"
                )
            return FOLDER_FPS
        if not self.source.is_file():
            raise CameraUnavailable(f"找不到 {self.source}", f"{self.source} does not exist")
        cap = _quiet_open(str(self.source), cv2.CAP_ANY)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(
                f"无法打开视频文件 {self.source}", f"cannot open the video {self.source}"
            )
        self._cap = cap
        reported = cap.get(cv2.CAP_PROP_FPS)
        return float(reported) if reported and 0 < reported < 1000 else 25.0

    def _next_frame(self) -> np.ndarray | None:
        with self._lock:
            if self._closed:
                return None
            frame = self._next_image() if self._files else self._next_video_frame()
        if frame is None:
            return None
        frame = as_bgr(frame)
        if self._size is not None and (frame.shape[1], frame.shape[0]) != self._size:
            frame = cv2.resize(frame, self._size, interpolation=cv2.INTER_AREA)
        return frame

    def _next_image(self) -> np.ndarray | None:
        for _ in range(len(self._files)):  # skip unreadable files, but not forever
            if self._index >= len(self._files):
                if not self.loop:
                    return None
                self._index = 0
            index = self._index
            self._index += 1
            frame = self._cache.get(index)
            if frame is None:
                frame = _read_image(self._files[index])
                if frame is not None and len(self._files) <= CACHE_LIMIT:
                    self._cache[index] = frame
            if frame is not None:
                return frame
        return None

    def _next_video_frame(self) -> np.ndarray | None:
        assert self._cap is not None
        ok, frame = self._cap.read()
        if ok:
            return frame
        if not self.loop:
            return None
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # back to the start
        ok, frame = self._cap.read()
        return frame if ok else None

    def read(self) -> np.ndarray | None:
        """The next frame, waiting until it is due at the target rate (when ``realtime``)."""
        if self._closed:
            return None
        if self.realtime:
            now = time.monotonic()
            if self._due > now:
                time.sleep(self._due - now)
                now = self._due  # keep the rhythm: sleep's overshoot is not carried on
            # A late reader gets its frame now and no burst of catch-up frames after it.
            self._due = now + 1 / self._fps
        pending, self._pending = self._pending, None
        return pending if pending is not None else self._next_frame()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._pending = None
            self._cache.clear()
            if self._cap is not None:
                self._cap.release()
                self._cap = None
