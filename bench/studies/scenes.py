"""Shots of the synthetic clips: cuts, camera labels, CPU cost: `python -m bench.studies.scenes`.

Each clip of `testkit.clips` with known shots is written as an mp4 and read as the client reads
it at `--fps 1`. Cuts are found two ways over the same video: at the video's own rate (what the
client does for a video file) and on the 1-fps samples alone (what it does for a frame folder).
For each it reports the hard cuts found, the extra cuts (inside a fade, and anywhere else), and
whether the shots are exactly the true ones; for the shots found at the video's rate, how many
got the camera motion their clip was made with. Last, the client's CPU time to read a 1080p
video with every frame analysed, per minute of video, against reading it without. CPU only, no
endpoint. Writes `bench/results/scenes.json` (or `--output`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from frame_client.results import FrameResult
from frame_client.scenes import DEFAULT_SCENE_THRESHOLD, find_video_shots
from frame_client.shot_list import detect_video, read_and_analyse, shot_list
from frame_client.video import read_video
from testkit.clips import CAMERA, MIXED, MONTAGE, MOVING, SMALL_FPS, Clip

CLIPS = (MIXED, MONTAGE, CAMERA, MOVING)
VIDEO_SIZE = (320, 180)
FULL_HD = (1920, 1080)
AT_VIDEO_RATE, ON_SAMPLES = "video's own rate", "1-fps samples"


@dataclass(frozen=True)
class CutReport:
    clip: str
    method: str  # AT_VIDEO_RATE or ON_SAMPLES
    shots: int  # true shots
    shots_found: int
    exact: bool  # every true shot found, nothing else
    hard_cuts: int
    hard_cuts_found: int
    extra_cuts_in_fades: int
    extra_cuts_elsewhere: int
    motions_right: int | None  # at the video's rate: shots found whole with the right camera motion
    shot_starts: tuple[int, ...]  # the first sample of each shot found


def cut_report(clip: Clip, method: str, shot_starts: list[int], motions: list[str] | None) -> CutReport:
    """Compare the first samples of the shots found (`shot_starts`) with the clip's truth."""
    starts = set(shot_starts) - {0}
    hard, fades = set(clip.hard_cuts()), clip.fade_frames()
    truth = [int(s) for s in clip.shot_starts()]
    right = None
    if motions is not None:
        # A shot counts when it is found whole (starts where a true shot starts) and its motion is right.
        right = sum(
            1
            for start, motion in zip(shot_starts, motions, strict=True)
            if start in truth and clip.shots[truth.index(start)].motion == motion
        )
    found_fades = 1 if starts & fades else 0
    return CutReport(
        clip=clip.name,
        method=method,
        shots=len(clip.shots),
        shots_found=len(shot_starts),
        exact=sorted(shot_starts) == truth,
        hard_cuts=len(hard),
        hard_cuts_found=len(hard & starts),
        extra_cuts_in_fades=max(0, len((starts - hard) & fades) - found_fades),
        extra_cuts_elsewhere=len(starts - hard - fades),
        motions_right=right,
        shot_starts=tuple(sorted(shot_starts)),
    )


def measure(clip: Clip, folder: Path) -> list[CutReport]:
    """The clip as an mp4 read at 1 fps: shots at the video's rate and on the samples."""
    video = clip.write_video(folder / f"{clip.name}.mp4", fps=SMALL_FPS, size=VIDEO_SIZE)
    (folder / clip.name).mkdir()
    read, analysis = read_and_analyse(str(video), folder / clip.name, 1.0, DEFAULT_SCENE_THRESHOLD)
    detection = detect_video(read, analysis, 1)
    listed = shot_list(detection, [FrameResult("a shot")] * len(read.frames))
    on_samples = find_video_shots([f.path for f in read.frames])
    return [
        cut_report(clip, AT_VIDEO_RATE, [s.first for s in listed], [s.camera.motion for s in listed]),
        cut_report(clip, ON_SAMPLES, [s.frames[0] for s in on_samples], None),
    ]


def cpu_cost(folder: Path, seconds: int = 8, fps: int = 25) -> dict:
    """CPU seconds (all threads) to read a 1080p video at 1 fps, with and without analysis, per minute."""
    clip = Clip("full hd", CAMERA.shots[: max(1, seconds // 3)])
    video = clip.write_video(folder / "full-hd.mp4", fps=fps, size=FULL_HD)
    length = clip.seconds
    costs = {}
    for name in ("sampling only", "sampling, cuts and camera"):
        (folder / name).mkdir()
        cpu, wall = time.process_time(), time.perf_counter()
        if name == "sampling only":
            read_video(video, folder / name, 1.0)
        else:
            read_and_analyse(str(video), folder / name, 1.0, DEFAULT_SCENE_THRESHOLD)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        costs[name] = {
            "cpu_s_per_minute": round(cpu * 60 / length, 1),
            "wall_s_per_minute": round(wall * 60 / length, 1),
        }
    return {"video": f"{FULL_HD[0]}x{FULL_HD[1]} H.264 at {fps} fps, {length} s", **costs}


def table(reports: list[CutReport]) -> str:
    lines = [
        "| clip | cuts found at | true shots | shots found | exactly the true shots | hard cuts found | "
        "extra cuts (in fades / elsewhere) | camera motion right |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        motions = "" if r.motions_right is None else f"{r.motions_right}/{r.shots}"
        lines.append(
            f"| {r.clip} | {r.method} | {r.shots} | {r.shots_found} | {'yes' if r.exact else 'no'} | "
            f"{r.hard_cuts_found}/{r.hard_cuts} | {r.extra_cuts_in_fades} / {r.extra_cuts_elsewhere} | "
            f"{motions} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.studies.scenes", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).parents[1] / "results" / "scenes.json")
    parser.add_argument(
        "--cost-seconds", type=int, default=9, help="length of the 1080p video timed (default: 9)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch:
        reports = [r for clip in CLIPS for r in measure(clip, Path(scratch))]
        cost = cpu_cost(Path(scratch), args.cost_seconds)
    sys.stdout.write(table(reports) + "\n\n" + json.dumps(cost, indent=2) + "\n")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"cuts": [asdict(r) for r in reports], "cpu_cost": cost}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
