"""The benchmark's modes, each timed between two GPU synchronisations.

- `baseline`: the earlier worker's loop, written plainly: decode, processor, one `generate`,
  next frame. Its preprocessing and its prompt pass are also timed apart.
- `batched`: prepared frames through the worker's engine at one batch size, so the figure is
  what the GPU does per frame at that size (preprocessing is timed apart, once).
- `jobs_*`: the caller's 5-frame base64 jobs through the real `Worker`, the same frame flow as
  production: one at a time, all at once, and at the production defaults (`MAX_BATCH_SIZE` and
  `MAX_CONCURRENT_JOBS` jobs in flight). Preprocessing overlapping generation is in the figure.
- `fields`: the batched mode's frames at the best batch size, asking for `"output": "fields"`
  (the fields prompt, constrained decoding): seconds and new tokens per frame beside text.

A run that meets out-of-memory raises `OutOfMemory`: the worker would split such batches and go
on, which keeps jobs alive but would time split batches without saying so.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import math
import time
from dataclasses import dataclass, field

import torch
from PIL import Image

from frame_contract import codes
from frame_describer.decode import decode_frame
from frame_describer.engine import DescriptionEngine
from frame_describer.frame_types import Description, GenerationOptions, Outcome, PreparedFrame
from frame_describer.generation import Generator, is_out_of_memory
from frame_describer.job_input import FrameEntry, JobRequest
from frame_describer.model import LoadedModel
from frame_describer.preprocess import prepare_frame
from frame_describer.prompt import chat_messages
from frame_describer.settings import Settings
from frame_describer.worker import Worker

from .records import Measurement, RunRecord, measured


class OutOfMemory(RuntimeError):
    """A run hit CUDA out-of-memory: it did not fit, and larger batch sizes are not tried."""


@dataclass
class BenchContext:
    """What every run shares: the model, the JPEG frames, the prompt and the forced length."""

    loaded: LoadedModel
    settings: Settings
    prompt: str
    new_tokens: int
    frames: list[bytes]
    _prepared: list[PreparedFrame] = field(default_factory=list, repr=False)
    preprocess_s_per_frame: float | None = None

    @property
    def device(self) -> torch.device:
        return self.loaded.device

    @property
    def options(self) -> GenerationOptions:
        return GenerationOptions(max_new_tokens=self.new_tokens)

    def prepared(self, count: int) -> list[PreparedFrame]:
        """The first `count` frames decoded and preprocessed as the worker does (timed once), at
        the model's image detail (`high`: the family's own settings for it)."""
        todo = self.frames[len(self._prepared) : count]
        if todo:
            started = time.perf_counter()
            for data in todo:
                image = decode_frame(data, self.settings.max_image_pixels)
                detail = self.loaded.image_detail
                self._prepared.append(prepare_frame(self.loaded, image, self.prompt, self.options, detail))
            if self.preprocess_s_per_frame is None:
                self.preprocess_s_per_frame = (time.perf_counter() - started) / len(todo)
        return self._prepared[:count]

    def token_counts(self) -> tuple[int, int]:
        """Image and text tokens of one frame."""
        first = self.prepared(1)[0]
        return first.image_tokens, first.sequence_length - first.image_tokens

    def record(self, mode: str, batch_size: int, timing: Measurement, outcomes: list[Outcome], **extra):
        # NOTE: random weights may decode to whitespace only (Gemma 3's tied embeddings repeat the
        # prompt's last token, a newline): the forced length was still generated, so such a frame
        # counts as described, and `empty` says how many there were.
        empty = [o for o in outcomes if getattr(o, "code", None) == codes.EMPTY_DESCRIPTION]
        described = [o for o in outcomes if isinstance(o, Description)] + [
            Description("", self.new_tokens) for _ in empty
        ]
        failures = [str(o) for o in outcomes if not isinstance(o, Description) and o not in empty]
        if not described:
            raise RuntimeError(f"no frame was described: {failures[0] if failures else 'no frames'}")
        image_tokens, text_tokens = self.token_counts()
        return RunRecord(
            mode=mode,
            batch_size=batch_size,
            frames=len(outcomes),
            seconds=timing.seconds,
            peak_gpu_gib=timing.peak_gpu_gib,
            peak_reserved_gib=timing.peak_reserved_gib,
            image_tokens_per_frame=image_tokens,
            text_tokens_per_frame=text_tokens,
            new_tokens_per_frame=sum(d.new_tokens for d in described) / len(described),
            failed=len(failures),
            empty=len(empty),
            note=failures[0] if failures else "",
            **extra,
        )


def forced_length(generator: Generator) -> Generator:
    """`generator`, from now on writing every row to its whole token budget: random weights stop
    at arbitrary points, and forcing the length keeps runs comparable. The worker never does."""
    generate = generator.generate
    generator.generate = lambda **kwargs: generate(**kwargs, min_new_tokens=kwargs["max_new_tokens"])
    return generator


def watch_out_of_memory(generator: Generator) -> list[BaseException]:
    """Every out-of-memory error on its way to the generator's own fallback, from now on."""
    seen: list[BaseException] = []
    generate = generator.generate

    def watched(**kwargs):
        try:
            return generate(**kwargs)
        except Exception as err:
            if is_out_of_memory(err):
                seen.append(err)
            raise

    generator.generate = watched
    return seen


def warm_up(ctx: BenchContext, static_cache: bool) -> None:
    """CUDA kernels, cuBLAS handles and allocator pools, before anything is timed."""
    # One token only with a static cache: a decoding step would compile for a shape no run uses.
    tokens = 1 if static_cache else min(4, ctx.new_tokens)
    options = GenerationOptions(max_new_tokens=tokens)
    frames = [dataclasses.replace(f, options=options) for f in ctx.prepared(2)]
    generator = forced_length(Generator(ctx.loaded))
    generator.run(frames)
    generator.run(frames[:1])


def run_baseline(ctx: BenchContext, count: int) -> RunRecord:
    """`count` frames one at a time, preprocessing included, as the earlier worker did."""
    outcomes: list[Outcome] = []
    preprocess_s = 0.0
    with measured(ctx.device) as timing:
        for data in ctx.frames[:count]:
            started = time.perf_counter()
            inputs = _baseline_inputs(ctx, data)
            preprocess_s += time.perf_counter() - started
            output = _baseline_generate(ctx, inputs, ctx.new_tokens)
            new_tokens = output.shape[1] - inputs["input_ids"].shape[1]
            outcomes.append(Description(ctx.loaded.processor.decode(output[0, -new_tokens:]), new_tokens))
    inputs = _baseline_inputs(ctx, ctx.frames[0])
    with measured(ctx.device) as prefill:
        _baseline_generate(ctx, inputs, 1)
    return ctx.record(
        "baseline",
        1,
        timing,
        outcomes,
        batches=count,
        prefill_s_per_frame=prefill.seconds,
        decode_ms_per_step=_decode_step_ms((timing.seconds - preprocess_s) / count, prefill.seconds, ctx),
        preprocess_s_per_frame=preprocess_s / count,
        largest_batch=1,
    )


def _baseline_inputs(ctx: BenchContext, data: bytes):
    processor = ctx.loaded.processor
    image = Image.open(io.BytesIO(data)).convert("RGB")
    text = processor.apply_chat_template(chat_messages(ctx.prompt), add_generation_prompt=True)
    detail = ctx.loaded.detail_kwargs(ctx.loaded.image_detail)
    inputs = processor(images=image, text=text, return_tensors="pt", **detail).to(ctx.device)
    inputs["pixel_values"] = inputs["pixel_values"].to(ctx.loaded.dtype)
    return inputs


def _baseline_generate(ctx: BenchContext, inputs, new_tokens: int) -> torch.Tensor:
    with torch.inference_mode():
        return ctx.loaded.model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=ctx.loaded.processor.tokenizer.pad_token_id,
        )


def run_batched(ctx: BenchContext, batch_size: int, count: int) -> RunRecord:
    """`count` prepared frames through an engine whose batches hold `batch_size`."""
    frames = ctx.prepared(count)
    generator = forced_length(Generator(ctx.loaded))
    outcomes, timing, largest_batch = _through_engine(ctx, generator, batch_size, frames)
    batches = math.ceil(count / batch_size)
    one_token = GenerationOptions(max_new_tokens=1)
    first_batch = [dataclasses.replace(f, options=one_token) for f in frames[:batch_size]]
    with measured(ctx.device) as prefill:
        generator.run(first_batch)
    return ctx.record(
        "batched",
        batch_size,
        timing,
        outcomes,
        batches=batches,
        prefill_s_per_frame=prefill.seconds / len(first_batch),
        decode_ms_per_step=_decode_step_ms(timing.seconds / batches, prefill.seconds, ctx),
        preprocess_s_per_frame=ctx.preprocess_s_per_frame,
        largest_batch=largest_batch,
    )


def _through_engine(ctx: BenchContext, generator: Generator, batch_size: int, frames: list[PreparedFrame]):
    """`frames` through an engine of `batch_size` over `generator`, timed: (outcomes, timing,
    largest batch); `OutOfMemory` when any batch did not fit."""
    out_of_memory = watch_out_of_memory(generator)
    engine = DescriptionEngine(generator, batch_size, ctx.settings.batch_wait_ms / 1000)
    try:
        with measured(ctx.device) as timing:
            outcomes = engine.describe(frames)
    finally:
        engine.close()
    if out_of_memory:
        raise OutOfMemory(f"a batch of {batch_size} ran out of GPU memory")
    return outcomes, timing, engine.stats.largest_batch


def run_fields(ctx: BenchContext, batch_size: int, count: int) -> RunRecord:
    """The batched mode's frames at the same batch size, asking for fields: the fields prompt,
    constrained decoding, and as many new tokens as an object takes (the grammar's budget at
    most; not forced, since the grammar decides where an object ends)."""
    from frame_describer.constrained import compile_fields_grammar
    from frame_describer.fields import fields_prompt

    loaded = ctx.loaded
    grammar = compile_fields_grammar(loaded.processor.tokenizer, loaded.model.generation_config.eos_token_id)
    options = GenerationOptions(max_new_tokens=grammar.minimum_new_tokens, output="fields")
    frames = [
        prepare_frame(
            loaded,
            decode_frame(data, ctx.settings.max_image_pixels),
            fields_prompt(),
            options,
            loaded.image_detail,
        )
        for data in ctx.frames[:count]
    ]
    outcomes, timing, largest_batch = _through_engine(ctx, Generator(loaded, grammar), batch_size, frames)
    record = ctx.record(
        "fields",
        batch_size,
        timing,
        outcomes,
        batches=math.ceil(count / batch_size),
        largest_batch=largest_batch,
    )
    record.text_tokens_per_frame = frames[0].sequence_length - frames[0].image_tokens
    record.note = record.note or f"token budget {grammar.minimum_new_tokens}"
    return record


def run_jobs(
    ctx: BenchContext, mode: str, *, jobs: int, frames_per_job: int, batch_size: int, in_flight: int
) -> RunRecord:
    """`jobs` base64 jobs of `frames_per_job` frames through a `Worker`, `in_flight` at a time."""
    settings = dataclasses.replace(ctx.settings, max_batch_size=batch_size)
    worker = Worker(settings, ctx.loaded)
    out_of_memory = watch_out_of_memory(forced_length(worker.engine.generator))
    frames = [base64.b64encode(data).decode() for data in ctx.frames[: jobs * frames_per_job]]
    requests = [
        JobRequest(
            frames=tuple(FrameEntry("base64", f) for f in frames[i : i + frames_per_job]),
            prompt=ctx.prompt,
            prompt_given=True,
            generation=ctx.options,
            detail=ctx.loaded.image_detail,
        )
        for i in range(0, len(frames), frames_per_job)
    ]

    async def run_all():
        slots = asyncio.Semaphore(in_flight)

        async def one(request: JobRequest):
            async with slots:
                return await worker.run_job(request)

        return await asyncio.gather(*(one(r) for r in requests))

    try:
        with measured(ctx.device) as timing:
            results = asyncio.run(run_all())
    finally:
        worker.close()
    if out_of_memory:
        raise OutOfMemory(f"a batch of up to {batch_size} ran out of GPU memory")
    outcomes = [outcome for result in results for outcome in result.outcomes]
    return ctx.record(
        mode,
        batch_size,
        timing,
        outcomes,
        batches=worker.engine.stats.batches,
        jobs_in_flight=in_flight,
        largest_batch=worker.engine.stats.largest_batch,
    )


def _decode_step_ms(batch_seconds: float, prefill_seconds: float, ctx: BenchContext) -> float | None:
    """One decoding step of a batch: a whole generate call less its prefill (the first token)."""
    if ctx.new_tokens < 2:
        return None
    return 1000 * max(batch_seconds - prefill_seconds, 0.0) / (ctx.new_tokens - 1)
