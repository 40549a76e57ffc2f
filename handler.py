"""RunPod serverless entry point: parse the job, describe its frames, shape the output.

The model loads once, here at import, before RunPod hands this worker any job; a model that
cannot load stops the process with a clear message instead. All real work lives in
`frame_describer`; this file is the glue between it and the runpod SDK.
"""

from __future__ import annotations

import logging
import time

import runpod

from frame_describer.errors import InvalidJob, StartupError
from frame_describer.job_input import parse_job
from frame_describer.response import error_output, internal_error_output, job_output
from frame_describer.settings import Settings, SettingsError
from frame_describer.worker import JobResult, Worker

log = logging.getLogger("handler")

try:
    SETTINGS = Settings.from_env()
except SettingsError as err:
    raise SystemExit(f"Invalid configuration: {err}") from None
logging.basicConfig(level=SETTINGS.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
try:
    WORKER = Worker.start(SETTINGS)
except StartupError as err:
    log.critical("%s", err)
    raise SystemExit(f"{err.headline}, not taking jobs: {err}") from None


async def handler(job: dict) -> dict:
    """Describe the frames of one RunPod job; returns the output or `{"error": ...}`, never raises."""
    job_id, job_input = (job.get("id", "-"), job.get("input")) if isinstance(job, dict) else ("-", None)
    try:
        request = parse_job(job_input, SETTINGS, WORKER.capabilities)
    except InvalidJob as err:
        log.info("job %s rejected: %s", job_id, err)
        return error_output(err)
    try:
        progress = _progress_reporter(job) if SETTINGS.report_progress else None
        result = await WORKER.run_job(request, progress)
    except Exception as err:  # the handler's promise: a job ends with an output, not a traceback
        log.exception("job %s failed unexpectedly", job_id)
        return internal_error_output(err)
    output = job_output(request, result.outcomes, refresh_worker=WORKER.needs_replacement)
    _log_job(job_id, result, len(output["failed_indices"]))
    return output


def concurrency_modifier(current_concurrency: int) -> int:
    """How many jobs this worker takes at once; their frames share GPU batches."""
    return SETTINGS.max_concurrent_jobs


def _progress_reporter(job: dict):
    def report(done: int, total: int) -> None:
        runpod.serverless.progress_update(job, f"{done}/{total} frames described")

    return report


def _log_job(job_id: str, result: JobResult, failures: int) -> None:
    timings = result.timings
    generate_s = timings.generate_s
    log.info(
        "job %s: %d frames, %d failed; fetch %.2f s (slowest), OCR %.2f s (total), preprocess %.2f s "
        "(total), generation %.2f s, %d new tokens (%.0f tok/s), %.2f s in all",
        job_id,
        len(result.outcomes),
        failures,
        max(timings.fetch_s, default=0.0),
        sum(timings.read_text_s),
        sum(timings.prepare_s),
        generate_s,
        result.new_tokens,
        result.new_tokens / generate_s if generate_s > 0 else 0.0,
        time.perf_counter() - result.started,
    )


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler, "concurrency_modifier": concurrency_modifier})
