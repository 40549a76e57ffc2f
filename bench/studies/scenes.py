"""Scene detection on the synthetic clips: cuts found, extra cuts, frames sent: `python -m bench.scenes`.

For each clip of `synthetic_clips.CLIPS`, as a 1-fps JPEG folder and as an mp4 sampled at
1 fps, it runs the client's shot detection with its defaults and reports the recall of the
hard cuts, the extra cuts (inside a fade, and anywhere else), and frames answered vs frames
sent. CPU only, no endpoint: how many frames a description is shared by does not depend on
what the descriptions say. Writes `bench/results/scenes.json` (or `--output`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import frame_client.shots  # noqa: F401  (imported before any timing)
from frame_client.scenes import SceneSettings, find_video_shots
from frame_client.video import extract_frames
from testkit.clips import CLIPS, Clip

TWO_HOURS_AT_1_FPS = 7_200


@dataclass(frozen=True)
class CutReport:
    clip: str
    source: str  # "jpeg folder" or "mp4"
    frames: int  # frames answered
    shots: int  # frames sent: one representative per shot
    hard_cuts: int
    hard_cuts_found: int
    fade_transitions_found: str  # "1/1": a fade counts as found with any cut inside it
    extra_cuts_in_fades: int
    extra_cuts_elsewhere: int
    ms_per_frame: float  # decoding small and detecting, this machine's CPU
    shot_starts: tuple[int, ...]  # the first frame of each shot found

    @property
    def recall(self) -> float:
        return self.hard_cuts_found / self.hard_cuts if self.hard_cuts else 1.0


def cut_report(clip: Clip, source: str, shot_starts: list[int], frames: int, seconds: float) -> CutReport:
    """Compare the first frames of the detected shots (`shot_starts`, 0 left out) with the clip's truth."""
    starts = set(shot_starts) - {0}
    hard = set(clip.hard_cuts())
    fades = clip.fade_frames()
    fade_groups = _runs(sorted(fades))
    found_fades = sum(1 for group in fade_groups if starts & group)
    return CutReport(
        clip=clip.name,
        source=source,
        frames=frames,
        shots=len(shot_starts),
        hard_cuts=len(hard),
        hard_cuts_found=len(hard & starts),
        fade_transitions_found=f"{found_fades}/{len(fade_groups)}",
        extra_cuts_in_fades=len((starts - hard) & fades) - found_fades,
        extra_cuts_elsewhere=len(starts - hard - fades),
        ms_per_frame=round(1000 * seconds / frames, 2),
        shot_starts=tuple(sorted(shot_starts)),
    )


def measure(clip: Clip, folder: Path, settings: SceneSettings | None = None) -> list[CutReport]:
    """The clip written to `folder` as JPEGs and as an mp4, each detected with `settings`."""
    reports = []
    jpegs = clip.write_frames(folder / f"{clip.name}-frames")
    video = clip.write_video(folder / f"{clip.name}.mp4")
    (folder / f"{clip.name}-sampled").mkdir()
    sampled = [f.path for f in extract_frames(video, folder / f"{clip.name}-sampled", fps=1.0)]
    for source, frames in (("jpeg folder", jpegs), ("mp4", sampled)):
        started = time.perf_counter()
        shots = find_video_shots(frames, settings)
        seconds = time.perf_counter() - started
        starts = [shot.frames[0] for shot in shots]
        reports.append(cut_report(clip, source, starts, len(frames), seconds))
    return reports


def table(reports: list[CutReport]) -> str:
    lines = [
        "| clip | source | frames answered | frames sent | hard cuts found | fades found | extra cuts "
        "(in fades / elsewhere) | 2 h at 1 fps: frames sent | ms/frame (CPU) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        two_hours = round(TWO_HOURS_AT_1_FPS * r.shots / r.frames)
        lines.append(
            f"| {r.clip} | {r.source} | {r.frames} | {r.shots} | {r.hard_cuts_found}/{r.hard_cuts} | "
            f"{r.fade_transitions_found} | {r.extra_cuts_in_fades} / {r.extra_cuts_elsewhere} | "
            f"{two_hours:,} ({r.frames / r.shots:.1f}x fewer) | {r.ms_per_frame} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scenes", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "scenes.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        reports = [r for clip in CLIPS for r in measure(clip, Path(scratch))]
    sys.stdout.write(table(reports) + "\n")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    rows = [{**asdict(r), "recall": r.recall} for r in reports]
    args.output.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def _runs(numbers: list[int]) -> list[set[int]]:
    """Consecutive runs: [3, 4, 5, 9, 10] -> [{3, 4, 5}, {9, 10}]."""
    runs: list[set[int]] = []
    for n in numbers:
        if runs and n - 1 in runs[-1]:
            runs[-1].add(n)
        else:
            runs.append({n})
    return runs


if __name__ == "__main__":
    raise SystemExit(main())
