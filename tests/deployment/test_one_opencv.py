"""One OpenCV per environment: the OCR stack (rapidocr) and the client's scene detection
(scenedetect-headless) both use opencv-python-headless, and nothing may add a second build.

Two OpenCV distributions install side by side into the same `cv2` folder, and whichever was
installed last wins file by file: a broken `cv2`, or a GUI build in a headless image.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import cv2

from testkit.local_api import REPO

OPENCV = re.compile(r"^opencv(-contrib)?-python(-headless)?$")
THE_OPENCV = "opencv-python-headless"


def _opencv_distributions() -> list[str]:
    names = {(dist.metadata["Name"] or "").lower().replace("_", "-") for dist in metadata.distributions()}
    return sorted(name for name in names if OPENCV.match(name))


def test_one_opencv_distribution_is_installed_and_it_is_the_headless_one():
    assert _opencv_distributions() == [THE_OPENCV]


def test_the_cv2_that_imports_belongs_to_that_distribution():
    files = {str(Path(str(f))) for f in metadata.files(THE_OPENCV) or []}
    location = Path(cv2.__file__).resolve()
    site = Path(metadata.distribution(THE_OPENCV).locate_file("")).resolve()
    assert str(location.relative_to(site)) in files


def test_the_image_lock_holds_one_opencv_distribution():
    names = re.findall(r"^([A-Za-z0-9_.-]+)==", (REPO / "requirements.lock").read_text(), re.M)
    assert sorted(n.lower() for n in names if OPENCV.match(n.lower())) == [THE_OPENCV]
