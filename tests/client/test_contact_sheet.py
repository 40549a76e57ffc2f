"""`--contact-sheet FILE.html`: one self-contained page, a thumbnail per shot, as chromium renders it."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
from PIL import Image

from frame_client.contact_sheet import contact_sheet
from frame_client.results import Camera, FrameResult, Shot
from testkit.browser import screenshot
from testkit.commands import run_command

# One shot per colour, each a few frames of a flat colour with a little texture: easy to find again
# in a screenshot, and far from the page's own greys and whites.
COLOURS = {"red": (220, 30, 30), "blue": (40, 60, 220), "yellow": (230, 210, 40)}
FRAMES_PER_SHOT = 3


def coloured_frames(folder):
    folder.mkdir()
    rng = np.random.default_rng(5)
    number = 0
    for colour in COLOURS.values():
        for _ in range(FRAMES_PER_SHOT):
            number += 1
            pixels = np.clip(np.array(colour) + rng.normal(0, 4, (240, 426, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"frame_{number}.jpg", quality=92)
    return folder


@pytest.fixture(scope="module")
def sheet(api_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheet")
    frames = coloured_frames(folder / "frames")
    page, out = folder / "sheet.html", folder / "out.json"
    done = run_command(
        str(frames),
        "--scenes",
        "--endpoint-url",
        api_server,
        "--output",
        str(out),
        "--contact-sheet",
        str(page),
    )
    assert done.returncode == 0, done.stderr
    return page, json.loads(out.read_text()), folder


def test_the_page_is_one_file_with_every_thumbnail_inline(sheet):
    page, output, _ = sheet
    text = page.read_text()
    sources = re.findall(r'<img src="([^"]*)"', text)
    assert len(sources) == len(output["shots"]) == len(COLOURS)
    assert all(source.startswith("data:image/jpeg;base64,") for source in sources)
    assert not re.search(r'(src|href)="(?!data:)', text)


def test_each_shot_shows_its_times_camera_and_description(sheet):
    page, output, _ = sheet
    text = page.read_text()
    assert "00:00:00.000 – 00:00:03.000" in text and "00:00:06.000 – 00:00:09.000" in text
    for shot in output["shots"]:
        assert shot["camera"]["motion"] in text
        description = output["descriptions"][shot["keyframe"]]
        assert description and html.escape(description) in text
    assert "<pre>" not in text  # no fields asked for


def test_fields_are_shown_when_asked_for_and_escaped():
    shot = Shot(0, 1, 0, 0.0, 2.0, Camera("pan_left", -0.1, 0.0, 0.0, 0.001))
    result = FrameResult("A <b>wide</b> shot.", fields={"overlay_text": "<script>x</script>"})
    page = contact_sheet([shot], [result, result], [b"not an image", b""], "clip.mp4", with_fields=True)
    assert "A &lt;b&gt;wide&lt;/b&gt; shot." in page and "&lt;script&gt;" in page and "<script>" not in page
    assert "pan left" in page and "no thumbnail" in page


def test_a_browser_shows_a_thumbnail_of_each_shot(sheet):
    page, _, folder = sheet
    pixels = np.asarray(Image.open(screenshot(page, folder / "sheet.png")).convert("RGB")).astype(int)
    for name, colour in COLOURS.items():
        near = (np.abs(pixels - np.array(colour)).max(axis=2) < 40).sum()
        assert near > 20_000, f"{name}: {near} pixels"  # a 320-pixel-wide 16:9 thumbnail is ~57,000


def test_a_contact_sheet_without_scenes_is_refused(api_server, tmp_path):
    frames = coloured_frames(tmp_path / "frames")
    done = run_command(str(frames), "--contact-sheet", str(tmp_path / "s.html"), "--endpoint-url", api_server)
    assert done.returncode == 2 and "--contact-sheet needs --scenes" in done.stderr
