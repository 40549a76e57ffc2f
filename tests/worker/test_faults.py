"""GPU faults cost the frames they hit, never the job: out of memory, a broken device, empty text.

Faults are injected at the one sanctioned place, the generation step
(`Generator.generate`), wrapped around the real tiny model's `generate`. Out-of-memory
runs on the shared worker with the wrapper removed afterwards; a fatal CUDA error is
permanent for its engine, so those tests build their own worker or engine from the loaded model.
"""

from __future__ import annotations

import pytest
import torch

from frame_describer.decode import decode_frame
from frame_describer.engine import DescriptionEngine
from frame_describer.errors import FatalDeviceError
from frame_describer.frame_types import Description, GenerationOptions
from frame_describer.generation import Generator
from frame_describer.preprocess import prepare_frame
from frame_describer.prompt import DEFAULT_PROMPT
from frame_describer.worker import Worker
from testkit.images import b64, distinct_jpegs, jpeg

DEVICE_ASSERT = (
    "CUDA error: device-side assert triggered\nCUDA kernel errors might be asynchronously reported"
)
GPU_FAILURE = "GPU failure: CUDA error: device-side assert triggered"
POISON_SIZE = (300, 200)  # width, height of the one frame that runs out of memory even alone


def out_of_memory() -> torch.cuda.OutOfMemoryError:
    return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def frame_sizes(kwargs: dict) -> list[tuple[int, int]]:
    """(width, height) of every frame in a generate call, from the processor's `image_sizes`."""
    return [(width, height) for height, width in kwargs["image_sizes"].tolist()]


class Faulty:
    """A `generate` that raises `fault(call)` when it returns one, and records batch sizes."""

    def __init__(self, real, fault):
        self.real, self.fault, self.batches = real, fault, []

    def __call__(self, **kwargs):
        self.batches.append(len(kwargs["input_ids"]))
        error = self.fault(kwargs, len(self.batches))
        if error is not None:
            raise error
        return self.real(**kwargs)


@pytest.fixture
def shared_generator(handler_module, monkeypatch):
    """The shared worker's generator; `inject(fault)` wraps its generate until the test ends."""
    generator = handler_module.WORKER.engine.generator

    def inject(fault) -> Faulty:
        faulty = Faulty(generator.generate, fault)
        monkeypatch.setattr(generator, "generate", faulty)
        return faulty

    return inject


@pytest.fixture
def spare_worker(handler_module, monkeypatch):
    """A worker of its own on the already-loaded model, installed as the handler's worker."""
    worker = Worker(handler_module.SETTINGS, handler_module.WORKER.loaded)
    monkeypatch.setattr(handler_module, "WORKER", worker)
    yield worker
    worker.frame_pool.shutdown(wait=False)


def base64_job(frames: list[bytes]) -> dict:
    return {"frame_data": [b64(f) for f in frames], "format": "base64"}


def prepared(loaded, count: int):
    options = GenerationOptions(max_new_tokens=8)
    return [
        prepare_frame(loaded, decode_frame(f, 10**7), DEFAULT_PROMPT, options) for f in distinct_jpegs(count)
    ]


# --- out of memory ------------------------------------------------------------------------


def test_an_out_of_memory_batch_is_split_until_every_frame_is_described(run_job, shared_generator):
    job = base64_job(distinct_jpegs(6))
    expected = run_job(job)["descriptions"]
    faulty = shared_generator(lambda kwargs, call: out_of_memory() if len(kwargs["input_ids"]) > 1 else None)
    output = run_job(job)
    assert output["failed_indices"] == []
    assert output["descriptions"] == expected
    assert max(faulty.batches) > 1 and 1 in faulty.batches  # it really went from batches to singles


def test_a_frame_that_runs_out_of_memory_alone_fails_and_the_others_are_described(run_job, shared_generator):
    frames = distinct_jpegs(6)
    frames[2] = jpeg((0, 200, 0), size=POISON_SIZE)

    def fault(kwargs, call):
        if len(kwargs["input_ids"]) > 2 or POISON_SIZE in frame_sizes(kwargs):
            return out_of_memory()

    shared_generator(fault)
    output = run_job(base64_job(frames))
    assert output["failed_indices"] == [2]
    assert output["errors"] == ["out of GPU memory"]
    assert all(output["descriptions"][i] for i in (0, 1, 3, 4, 5))
    assert "refresh_worker" not in output


def test_a_cuda_library_out_of_memory_splits_the_batch_instead_of_killing_the_worker(handler_module):
    # cuBLAS reports running out of memory as a RuntimeError that also says "CUDA error".
    generator = Generator(handler_module.WORKER.loaded)
    generator.generate = Faulty(
        generator.generate,
        lambda kwargs, call: (
            RuntimeError("CUDA error: out of memory") if len(kwargs["input_ids"]) > 1 else None
        ),
    )
    generated = generator.run(prepared(handler_module.WORKER.loaded, 3))
    assert generated.fatal is None
    assert all(isinstance(o, Description) for o in generated.outcomes)


# --- a broken device ----------------------------------------------------------------------


def test_a_fatal_cuda_error_returns_what_was_described_and_asks_for_a_new_worker(run_job, spare_worker):
    generator = spare_worker.engine.generator
    generator.generate = Faulty(
        generator.generate, lambda kwargs, call: RuntimeError(DEVICE_ASSERT) if call > 1 else None
    )
    output = run_job(base64_job(distinct_jpegs(10)))
    assert output["refresh_worker"] is True
    assert output["count"] == 10 and len(output["descriptions"]) == 10
    described = [i for i, text in enumerate(output["descriptions"]) if text]
    assert described and output["failed_indices"]  # the first batch got through, the rest did not
    assert sorted(described + output["failed_indices"]) == list(range(10))
    assert set(output["errors"]) == {GPU_FAILURE}


def test_after_a_fatal_cuda_error_every_later_frame_fails_at_once(run_job, spare_worker):
    generator = spare_worker.engine.generator
    faulty = Faulty(generator.generate, lambda kwargs, call: RuntimeError(DEVICE_ASSERT))
    generator.generate = faulty
    run_job(base64_job(distinct_jpegs(2)))
    calls = len(faulty.batches)
    output = run_job(base64_job(distinct_jpegs(3)))
    assert output["failed_indices"] == [0, 1, 2]
    assert output["refresh_worker"] is True
    assert len(faulty.batches) == calls  # the broken GPU was not asked again


def test_frames_described_before_the_gpu_failed_inside_a_split_batch_keep_their_descriptions(handler_module):
    # Batches over one frame run out of memory; the third single frame breaks the device. The
    # batch of four splits in halves, both frames of the first half are described, then the
    # second half splits and its first frame hits the fatal error.
    loaded = handler_module.WORKER.loaded
    generator = Generator(loaded)
    singles = []

    def fault(kwargs, call):
        if len(kwargs["input_ids"]) > 1:
            return out_of_memory()
        singles.append(call)
        return RuntimeError(DEVICE_ASSERT) if len(singles) == 3 else None

    generator.generate = Faulty(generator.generate, fault)
    # A long batch wait so that the four ticketed frames form one batch.
    engine = DescriptionEngine(generator, max_batch_size=4, batch_wait_s=30.0)
    outcomes = engine.describe(prepared(loaded, 4))
    assert [isinstance(o, Description) for o in outcomes] == [True, True, False, False]
    assert [str(o) for o in outcomes[2:]] == [GPU_FAILURE, GPU_FAILURE]
    assert isinstance(engine.fatal_error, FatalDeviceError)


# --- empty output -------------------------------------------------------------------------


@pytest.mark.parametrize("filler", ["eos", "whitespace"])
def test_a_frame_whose_description_comes_out_empty_fails_with_a_reason(
    run_job, handler_module, monkeypatch, filler
):
    tokenizer = handler_module.WORKER.loaded.processor.tokenizer
    if filler == "eos":
        token = tokenizer.eos_token_id
    else:
        token = tokenizer.encode("  ", add_special_tokens=False)[0]
        assert not tokenizer.decode([token] * 3).strip()
    frames = distinct_jpegs(3)
    frames[1] = jpeg((0, 200, 0), size=POISON_SIZE)
    generator = handler_module.WORKER.engine.generator
    real = generator.generate

    def blank_the_poisoned_frame(**kwargs):
        output = real(**kwargs)
        for row, size in enumerate(frame_sizes(kwargs)):
            if size == POISON_SIZE:
                output[row, kwargs["input_ids"].shape[1] :] = token
        return output

    monkeypatch.setattr(generator, "generate", blank_the_poisoned_frame)
    output = run_job(base64_job(frames))
    assert output["failed_indices"] == [1]
    assert output["errors"] == ["model returned an empty description"]
    assert output["descriptions"][0] and output["descriptions"][2]
