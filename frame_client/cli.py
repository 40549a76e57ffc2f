"""`describe-frames`: describe frames from the command line, write the worker-shaped JSON.

    describe-frames frames/ --output descriptions.json
    describe-frames 'shots/*.jpg' https://cdn.example.com/f1.jpg --batch-size 8 --concurrency 8
    describe-frames video.mp4 --scenes --fps 1 --output descriptions.json
    describe-frames frames/ --measure text,colour --output descriptions.json

A folder stands for its image files sorted by name, numbers compared as numbers (frame_2
before frame_10); a glob for its matching files in the same order. A video file, and
`--scenes` (one description per shot), are `cli_scenes.py`'s. The JSON goes to stdout or
`--output`, the progress bar and log lines to stderr. Exit status: 0 every frame described,
1 some frames failed (their reasons are in the JSON), 2 a usage or configuration problem
(no endpoint, no API key, a path that matches nothing, an unreadable video, no `scenes`
extra, an unusable resume file), 3 the endpoint refused the run, 4 the run was aborted
(Ctrl-C, SIGTERM, an error in the client). With 3 and 4 the JSON is still written: every frame
answered before the stop, the others failed with the code `run_aborted`. Never a traceback.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import re
import signal
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from frame_contract.codes import RUN_ABORTED
from frame_contract.job_input import MEASURE_KINDS

from . import cli_scenes
from .client import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, describe_frames
from .failures import ConfigError, EndpointError, RunInterrupted
from .jobs import measure_kinds
from .options import DEFAULT_JOB_TIMEOUT_S, DEFAULT_OUTAGE_S, ClientOptions
from .results import shots_output, to_output
from .scenes import describe_shots, scene_fields
from .transport import API_KEY_VAR, ENDPOINT_ID_VAR, resolve_endpoint

log = logging.getLogger("describe-frames")

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
_GLOB_CHARS = re.compile(r"[*?\[]")

EXIT_OK, EXIT_FRAMES_FAILED, EXIT_USAGE, EXIT_ENDPOINT, EXIT_ABORTED = 0, 1, 2, 3, 4


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # A kill writes what it has, as Ctrl-C does (signals can only be caught on the main thread).
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        with tempfile.TemporaryDirectory(prefix="describe-frames-") as scratch:  # a video's frames
            return _run(parser, args, Path(scratch))
    except KeyboardInterrupt:  # before any frame was sent (reading, finding shots): nothing to write
        sys.stderr.write("describe-frames: interrupted before any frame was sent\n")
        return EXIT_ABORTED
    except Exception as err:  # never a traceback: one line, the details with -v
        log.info("where it happened:", exc_info=True)  # the traceback, with -v
        sys.stderr.write(f"describe-frames: stopped on an unexpected error: {type(err).__name__}: {err}\n")
        return EXIT_ABORTED
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, scratch: Path) -> int:
    bar = partial(tqdm, unit="frame", file=sys.stderr, disable=args.no_progress)
    try:
        resolve_endpoint(args.endpoint_url, args.api_key)  # before any output, for a clean message
        settings = cli_scenes.scene_settings(args)
        source = cli_scenes.load_source(args.frames, args.fps, scratch, expand_frames, bar, settings)
        frames = source.frames
        detection = None if settings is None else cli_scenes.detect(source, settings, args.fps, bar)
        shots = None if detection is None else detection.shots
    except ConfigError as err:
        parser.exit(EXIT_USAGE, f"describe-frames: {err}\n")
    progress = bar(total=len(frames) if shots is None else 0, desc="describing")
    stopped: str | None = None  # why the run ended early, if it did
    exit_code = EXIT_ABORTED
    try:
        with logging_redirect_tqdm(), progress:
            options = dict(
                endpoint_url=args.endpoint_url,
                api_key=args.api_key,
                batch_size=args.batch_size,
                concurrency=args.concurrency,
                prompt=args.prompt,
                max_new_tokens=args.max_new_tokens,
                output="fields" if args.fields else "text",
                measure=args.measure,
                on_progress=progress.update,
                options=ClientOptions(outage_s=args.outage_s, job_timeout_s=args.job_timeout).scaled(
                    args.time_scale
                ),
                resume=args.resume,
            )
            if shots is None:
                results = describe_frames(frames, **options)
            else:
                grow = partial(cli_scenes.grow, progress)
                results = describe_shots(frames, shots, on_sending=grow, **options)
    except ConfigError as err:
        parser.exit(EXIT_USAGE, f"describe-frames: {err}\n")
    except EndpointError as err:
        if err.results is None:
            parser.exit(EXIT_ENDPOINT, f"describe-frames: {err}\n")
        results, stopped, exit_code = err.results, str(err), EXIT_ENDPOINT
    except RunInterrupted as err:
        results, stopped = err.results, "interrupted"
    output = {
        **to_output(results, with_fields=args.fields, with_measurements=bool(args.measure)),
        "frames": source.labels,
    }
    if detection is not None:
        from .shot_list import shot_list  # the scenes extra is there: detection used it

        listed = shot_list(detection, results)
        output.update(scene_fields(results), shots=shots_output(listed))
        cli_scenes.write_shot_files(args, source, detection, listed, results)
    if source.timestamps is not None:
        output["timestamps"] = source.timestamps
    _write(output, args.output)
    aborted = sum(1 for r in results if r.code == RUN_ABORTED)
    if stopped is None and aborted:
        stopped = "stopped on an error in the client (run with -v for details)"
    if stopped is not None:
        where = (
            f" ({args.resume} has every settled frame: run again with --resume to finish)"
            if args.resume
            else ""
        )
        sys.stderr.write(
            f"describe-frames: {stopped}; {aborted} of {len(frames)} frames were not sent or not answered, "
            f"the JSON has the others{where}\n"
        )
        return exit_code
    failed = len(output["failed_indices"])
    if failed:
        log.warning("%d of %d frames were not described; reasons in 'errors'", failed, len(frames))
    return EXIT_FRAMES_FAILED if failed else EXIT_OK


def _write(output: dict, path: str | None) -> None:
    """The JSON to `path`, or stdout; to stdout after all when `path` cannot be written."""
    text = json.dumps(output, indent=2, ensure_ascii=False) + "\n"
    if path:
        try:
            Path(path).write_text(text, encoding="utf-8")
            return
        except OSError as err:
            sys.stderr.write(
                f"describe-frames: cannot write {path} ({err.strerror or err}); JSON on stdout\n"
            )
    sys.stdout.write(text)
    sys.stdout.flush()


def expand_frames(arguments: list[str]) -> list[str]:
    """Paths, folders, globs and URLs, expanded in order into one frame per entry."""
    frames: list[str] = []
    for argument in arguments:
        if re.match(r"^https?://", argument, re.IGNORECASE):
            frames.append(argument)
            continue
        path = Path(argument)
        if path.is_dir():
            images = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
            if not images:
                raise ConfigError(
                    f"no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {argument}"
                )
            frames.extend(str(p) for p in sorted(images, key=lambda p: natural_key(p.name)))
        elif path.is_file():
            frames.append(argument)
        elif _GLOB_CHARS.search(argument):
            matches = [m for m in glob.glob(argument) if Path(m).is_file()]
            if not matches:
                raise ConfigError(f"no files match {argument}")
            frames.extend(sorted(matches, key=natural_key))
        else:
            raise ConfigError(f"no such file, folder or http(s) URL: {argument}")
    return frames


def natural_key(name: str) -> list:
    """Sort key that compares runs of digits as numbers: frame_2 before frame_10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="describe-frames",
        description="Describe video frames with the frame-describer worker on RunPod; writes one JSON "
        "object shaped like the worker's output (descriptions, failed_indices, errors, error_codes, count) "
        "over all frames, plus 'frames', the inputs in order.",
        epilog=f"The endpoint defaults to https://api.runpod.ai/v2/${ENDPOINT_ID_VAR}, the key to "
        f"${API_KEY_VAR}. Exit status: 0 all described, 1 some frames failed, 2 usage or "
        "configuration problem, 3 the endpoint refused the run, 4 the run was aborted (interrupted, or "
        "an error in the client); with 3 and 4 the JSON still holds every frame answered.",
    )
    parser.add_argument(
        "frames", nargs="+", metavar="FRAME", help="image file, folder, glob or http(s) URL; or a video"
    )
    parser.add_argument("--endpoint-url", help=f"endpoint base URL (default: from ${ENDPOINT_ID_VAR})")
    parser.add_argument("--api-key", help=f"RunPod API key (default: ${API_KEY_VAR}; prefer the variable)")
    parser.add_argument(
        "--batch-size",
        type=_positive,
        default=DEFAULT_BATCH_SIZE,
        help="frames per job (default: %(default)s)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=DEFAULT_CONCURRENCY,
        help="jobs in flight (default: %(default)s)",
    )
    parser.add_argument("--prompt", help="replace the worker's default prompt")
    parser.add_argument(
        "--fields", action="store_true", help="also one JSON object of fields per frame (output: fields)"
    )
    parser.add_argument(
        "--measure",
        nargs="?",
        const=MEASURE_KINDS,
        type=_measure_kinds,
        metavar="KINDS",
        help=f"also measure each frame ('measurements'): alone every kind, or a comma list of "
        f"{','.join(MEASURE_KINDS)} (after the frames, or as --measure=KINDS, so that it does not "
        "take a frame for KINDS)",
    )
    parser.add_argument("--max-new-tokens", type=_positive, help="replace the worker's default length")
    parser.add_argument("--output", metavar="FILE", help="write the JSON here instead of stdout")
    parser.add_argument(
        "--resume",
        metavar="FILE",
        help="append each frame to FILE (JSON lines) as it is answered; run again with the same FILE "
        "to send only the frames it does not describe yet",
    )
    parser.add_argument(
        "--outage-s",
        type=_seconds,
        default=DEFAULT_OUTAGE_S,
        metavar="SECONDS",
        help="keep retrying an endpoint that cannot be reached (or answers 5xx) this long before a "
        "job's attempt fails (default: %(default)g)",
    )
    parser.add_argument(
        "--job-timeout",
        type=_positive_seconds,
        default=DEFAULT_JOB_TIMEOUT_S,
        metavar="SECONDS",
        help="longest a job may stay queued or running before it is cancelled and counts as "
        "failed (default: %(default)g)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    # For the conformance scenarios (frame_contract/scenarios): every policy duration times this.
    parser.add_argument("--time-scale", type=_positive_seconds, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each job and retry")
    cli_scenes.add_arguments(parser)
    return parser


def _measure_kinds(text: str) -> tuple[str, ...]:
    kinds = [kind.strip() for kind in text.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in MEASURE_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"not a comma list of {', '.join(MEASURE_KINDS)}: {text[:40]!r} (--measure alone measures "
            "every kind; give KINDS as --measure=KINDS or after the frames)"
        )
    return measure_kinds(kinds)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds of at least 0, not {text}")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
