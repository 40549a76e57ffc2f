"""`python -m bench.studies.fields_overhead`: what the fields grammar costs per decoding step, and how
often its rows parse.

A tiny random LLaVA-NeXT with a byte-fallback tokenizer (padded to the real model's 32,064
entries unless `--vocab` says otherwise), batches of `--batch` frames with different prompt
lengths, through the worker's `prepare_frame`/`collate` and `model.generate`. For each seed and
decoding mode: one constrained run (its rows are parsed), then the same inputs without the
processor, forced to the same number of steps. Prints the parse rate, tokens per row, and the
added milliseconds per step, both as measured inside the processor and as the difference of
the two `generate` times (noisier: it is the difference of two larger numbers).
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from frame_describer import fields
from frame_describer.constrained import FieldsLogitsProcessor, compile_fields_grammar
from frame_describer.families import family_of
from frame_describer.frame_types import GenerationOptions
from frame_describer.model import LoadedModel
from frame_describer.preprocess import collate, prepare_frame

REAL_VOCAB_SIZE = 32064
_PROMPTS = [None, "Short.", "Describe the shot for a colourist and a motion designer, in detail.", "Shot?"]
_SIZES = [(854, 480), (480, 480), (640, 480), (300, 600)]


class TimedProcessor(FieldsLogitsProcessor):
    """The real processor, with the time spent inside it added up."""

    seconds = 0.0
    calls = 0

    def __call__(self, input_ids, scores):
        started = time.perf_counter()
        try:
            return super().__call__(input_ids, scores)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def _load(seed: int, vocab_size: int) -> LoadedModel:
    from transformers import AutoProcessor, LlavaNextForConditionalGeneration

    from testkit.fields_model import build_fields_model

    folder = build_fields_model(Path(tempfile.mkdtemp(prefix="fields-bench-")) / "model", seed, vocab_size)
    processor = AutoProcessor.from_pretrained(folder)
    processor.tokenizer.padding_side = "left"
    model = LlavaNextForConditionalGeneration.from_pretrained(folder).eval()
    return LoadedModel(model, processor, torch.device("cpu"), torch.float32, family_of("llava_next"), "high")


def _inputs(loaded: LoadedModel, batch: int, budget: int) -> dict:
    from testkit.images import frame

    options = GenerationOptions(max_new_tokens=budget)
    frames = [
        prepare_frame(
            loaded,
            frame(((i * 53) % 256, (i * 97) % 256, 90), size=_SIZES[i % len(_SIZES)]),
            fields.fields_prompt(_PROMPTS[i % len(_PROMPTS)]),
            options,
        )
        for i in range(batch)
    ]
    return collate(frames, loaded.processor.tokenizer.pad_token_id)


def _generate(
    loaded: LoadedModel, inputs: dict, sample: bool, seed: int, **kwargs
) -> tuple[torch.Tensor, float]:
    torch.manual_seed(seed)
    started = time.perf_counter()
    with torch.inference_mode():
        output = loaded.model.generate(
            **inputs, do_sample=sample, pad_token_id=loaded.processor.tokenizer.pad_token_id, **kwargs
        )
    return output[:, inputs["input_ids"].shape[1] :], time.perf_counter() - started


def _generated_length(tokens: list[int], eos_token_ids: tuple[int, ...]) -> int:
    ends = [index for index, token in enumerate(tokens) if token in eos_token_ids]
    return ends[0] + 1 if ends else len(tokens)


def _measure(loaded: LoadedModel, grammar, inputs: dict, sample: bool, seed: int, free_first: bool):
    """A constrained run and an unconstrained one forced to as many steps, in either order (the
    same seed makes every constrained run of these inputs take the same number of steps)."""
    processor = TimedProcessor(grammar, inputs["input_ids"].shape[0])
    constrained = dict(max_new_tokens=grammar.minimum_new_tokens, logits_processor=[processor])
    if free_first:
        steps = _steps_taken(loaded, grammar, inputs, sample, seed)
        _, free_s = _generate(loaded, inputs, sample, seed, max_new_tokens=steps, min_new_tokens=steps)
    new, constrained_s = _generate(loaded, inputs, sample, seed, **constrained)
    steps = new.shape[1]
    if not free_first:
        _, free_s = _generate(loaded, inputs, sample, seed, max_new_tokens=steps, min_new_tokens=steps)
    return processor, new.tolist(), 1000 * (constrained_s - free_s) / steps


def _steps_taken(loaded: LoadedModel, grammar, inputs: dict, sample: bool, seed: int) -> int:
    processor = FieldsLogitsProcessor(grammar, inputs["input_ids"].shape[0])
    new, _ = _generate(
        loaded, inputs, sample, seed, max_new_tokens=grammar.minimum_new_tokens, logits_processor=[processor]
    )
    return new.shape[1]


def _parsed_rows(processor: FieldsLogitsProcessor, rows: list[list[int]], label: str) -> int:
    parsed = 0
    for row, tokens in enumerate(rows):
        try:
            processor.parse_row(row, tokens)
            parsed += 1
        except fields.FieldsError as err:
            print(f"{label} row {row}: {err}: {processor.grammar.decode(tokens)!r}")
    return parsed


def run(seeds: int, batch: int, vocab_size: int, repeats: int) -> None:
    parsed, lengths, inside_ms, difference_ms = 0, [], [], []
    for seed in range(seeds):
        loaded = _load(seed, vocab_size)
        started = time.perf_counter()
        eos = loaded.model.generation_config.eos_token_id
        grammar = compile_fields_grammar(loaded.processor.tokenizer, eos)
        compile_ms = 1000 * (time.perf_counter() - started)
        print(f"seed {seed}: grammar compiled in {compile_ms:.0f} ms, budget {grammar.minimum_new_tokens}")
        inputs = _inputs(loaded, batch, grammar.minimum_new_tokens)
        for sample in (False, True):
            _measure(loaded, grammar, inputs, sample, seed, free_first=False)  # warm-up
            for repeat in range(repeats):
                processor, rows, difference = _measure(
                    loaded, grammar, inputs, sample, seed, free_first=repeat % 2 == 1
                )
                inside_ms.append(1000 * processor.seconds / processor.calls)
                difference_ms.append(difference)
            parsed += _parsed_rows(processor, rows, f"seed {seed} sample={sample}")
            lengths += [_generated_length(tokens, grammar.eos_token_ids) for tokens in rows]
    vocab = grammar.tokenizer.vocab_size
    print(f"vocabulary {vocab}, batch {batch}, {seeds} seeds x greedy and sampled, {repeats} timed runs each")
    print(f"parsed: {parsed}/{len(lengths)} rows")
    print(f"tokens per row, end token included: mean {statistics.mean(lengths):.0f}, max {max(lengths)}")
    print(f"inside the processor: {_spread(inside_ms)} ms per step")
    print(f"generate with minus without: {_spread(difference_ms)} ms per step")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (median; range {min(values):.2f} to {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument(
        "--vocab", type=int, default=REAL_VOCAB_SIZE, help="tokenizer size (0: the tiny ~650)"
    )
    parser.add_argument(
        "--repeats", type=int, default=4, help="timed runs per seed and mode, after a warm-up"
    )
    # NOTE: on a shared CPU, torch's OpenMP threads spin against each other and a decoding step
    # of the tiny model swings from 1 ms to 400 ms; one thread keeps the timings steady.
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("$ python -m bench.studies.fields_overhead " + shlex.join(sys.argv[1:]))
    run(args.seeds, args.batch, args.vocab or 0, args.repeats)


if __name__ == "__main__":
    main()
