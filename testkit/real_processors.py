"""Each family's processor with the released checkpoint's image settings, offline.

The image settings below are those of the checkpoints the README recommends (each with where it
came from); the tokenizer is the tiny one, which has the same special tokens, so the number of
image tokens a frame becomes is the real one (the benchmark swaps in a tokenizer of the real
size made from it: `bench/tokenizer.py`). `python -m testkit.real_processors` prints the table
of image tokens per frame at each image-detail setting.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from PIL import Image

from testkit.tiny_families import FAMILIES, tiny_parts

_CLIP = dict(image_mean=[0.48145466, 0.4578275, 0.40821073], image_std=[0.26862954, 0.26130258, 0.27577711])
_HALF = dict(image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
_LLAVA_NEXT_PINPOINTS = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]
_ONEVISION_PINPOINTS = [[384 * rows, 384 * cols] for rows in range(1, 7) for cols in range(1, 7)]

# Per family: the image-detail knob, as call-time processor kwargs (or load-time settings for
# the LLaVA families, whose model config must agree with the processor).
DETAIL = {
    "llava_next": {"high": {}, "low": {"image_grid_pinpoints": [[336, 672], [672, 336]]}},
    "qwen2_5_vl": {"high": {}, "low": {"size": {"shortest_edge": 3136, "longest_edge": 256 * 28 * 28}}},
    "qwen3_vl": {"high": {}, "low": {"size": {"shortest_edge": 65536, "longest_edge": 256 * 32 * 32}}},
    "molmo2": {"high": {}, "low": {"max_crops": 2}},
    "gemma3": {"high": {"do_pan_and_scan": True}, "low": {"do_pan_and_scan": False}},
    "smolvlm": {"high": {}, "low": {"do_image_splitting": False}},
    "llava_onevision": {
        "high": {},
        "low": {"image_grid_pinpoints": [[384, 384], [384, 768], [768, 384], [768, 768]]},
    },
    "internvl": {"high": {}, "low": {"max_patches": 1}},
}
LOAD_TIME = {"llava_next", "llava_onevision"}
MakeTokenizer = Callable[[object], object]


def _llava_next(make_tokenizer: MakeTokenizer):
    from transformers import LlavaNextImageProcessor, LlavaNextProcessor

    from testkit.tiny_model import CHAT_TEMPLATE, build_tokenizer

    template = build_tokenizer()
    # llava-hf/llava-v1.6-mistral-7b-hf's preprocessor_config.json.
    image_processor = LlavaNextImageProcessor(
        size={"shortest_edge": 336},
        crop_size={"height": 336, "width": 336},
        image_grid_pinpoints=_LLAVA_NEXT_PINPOINTS,
        **_CLIP,
    )
    return LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=make_tokenizer(template),
        patch_size=14,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
    )


def real_processor(family: str, make_tokenizer: MakeTokenizer | None = None):
    """The real checkpoint's image settings and processor class, with the tiny processor's chat
    template and tokenizer, or the tokenizer `make_tokenizer` makes from the tiny one (which
    then serves as the list of the family's special tokens)."""
    from transformers import (
        Gemma3ImageProcessor,
        GotOcr2ImageProcessor,
        LlavaOnevisionImageProcessor,
        Molmo2ImageProcessor,
        Qwen2VLImageProcessor,
        SmolVLMImageProcessor,
    )

    make_tokenizer = make_tokenizer or (lambda tokenizer: tokenizer)
    if family == "llava_next":
        return _llava_next(make_tokenizer)
    _, tiny = tiny_parts(family)
    common = dict(tokenizer=make_tokenizer(tiny.tokenizer), chat_template=tiny.chat_template)
    video = dict(video_processor=tiny.video_processor) if hasattr(tiny, "video_processor") else {}
    if family == "qwen2_5_vl":
        # Qwen/Qwen2.5-VL-7B-Instruct preprocessor_config.json: min_pixels 3136, max_pixels 12845056.
        image = Qwen2VLImageProcessor(
            size={"shortest_edge": 3136, "longest_edge": 12845056}, patch_size=14, merge_size=2, **_CLIP
        )
        return type(tiny)(image_processor=image, **video, **common)
    if family == "qwen3_vl":
        # Qwen/Qwen3-VL-8B-Instruct preprocessor_config.json.
        image = Qwen2VLImageProcessor(
            size={"shortest_edge": 65536, "longest_edge": 16777216}, patch_size=16, merge_size=2, **_HALF
        )
        return type(tiny)(image_processor=image, **video, **common)
    if family == "molmo2":
        # allenai/Molmo2-4B preprocessor_config.json (the 8B's is assumed the same).
        image = Molmo2ImageProcessor(
            size={"height": 378, "width": 378},
            max_crops=8,
            overlap_margins=[4, 4],
            patch_size=14,
            pooling_size=[2, 2],
            **_HALF,
        )
        return type(tiny)(image_processor=image, use_frame_special_tokens=False, **video, **common)
    if family == "gemma3":
        # google/gemma-3-*-it: 896-pixel SigLIP input, 256 tokens per image (pan-and-scan off by default).
        image = Gemma3ImageProcessor(size={"height": 896, "width": 896}, **_HALF)
        return type(tiny)(image_processor=image, image_seq_length=256, **common)
    if family == "smolvlm":
        # HuggingFaceTB/SmolVLM2-2.2B-Instruct: 384-pixel tiles of a 1536-pixel frame, 81 tokens each.
        image = SmolVLMImageProcessor(
            size={"longest_edge": 1536},
            max_image_size={"longest_edge": 384},
            do_image_splitting=True,
            **_HALF,
        )
        return type(tiny)(image_processor=image, image_seq_len=81, **video, **common)
    if family == "llava_onevision":
        # llava-hf/llava-onevision-qwen2-7b-ov-hf: SigLIP-384 tiles in grids up to 6x6, 729 tokens each.
        image = LlavaOnevisionImageProcessor(
            size={"height": 384, "width": 384},
            image_grid_pinpoints=_ONEVISION_PINPOINTS,
            do_pad=True,
            **_HALF,
        )
        return type(tiny)(
            image_processor=image,
            num_image_tokens=729,
            vision_feature_select_strategy="full",
            vision_aspect_ratio="anyres_max_9",
            **video,
            **common,
        )
    if family == "internvl":
        # OpenGVLab/InternVL3-8B-hf: 448-pixel tiles, 1 to 12 of them plus a thumbnail, 256 tokens each.
        image = GotOcr2ImageProcessor(
            size={"height": 448, "width": 448},
            crop_to_patches=True,
            min_patches=1,
            max_patches=12,
            image_mean=[0.485, 0.456, 0.406],
            image_std=[0.229, 0.224, 0.225],
        )
        return type(tiny)(image_processor=image, image_seq_length=256, **video, **common)
    raise ValueError(family)


def _feature_token_id(family: str, processor) -> int:
    if family == "molmo2":
        return processor.tokenizer.convert_tokens_to_ids("<im_patch>")
    if family == "gemma3":
        return processor.tokenizer.image_token_id
    return processor.image_token_id


def image_tokens(family: str, detail: str, size: tuple[int, int] = (854, 480)) -> tuple[int, int]:
    """(image features, all tokens the image adds to the prompt) for one frame of `size`."""
    processor = real_processor(family)
    kwargs = dict(DETAIL[family][detail])
    if family in LOAD_TIME and kwargs:
        processor.image_processor.image_grid_pinpoints = kwargs.pop("image_grid_pinpoints")
    text_only = [{"role": "user", "content": [{"type": "text", "text": "Describe."}]}]
    with_image = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe."}]}]
    plain = processor.tokenizer(processor.apply_chat_template(text_only, add_generation_prompt=True))
    text = processor.apply_chat_template(with_image, add_generation_prompt=True)
    ids = processor(images=[Image.new("RGB", size)], text=[text], return_tensors="pt", **kwargs)["input_ids"][
        0
    ]
    features = int((ids == _feature_token_id(family, processor)).sum())
    return features, len(ids) - len(plain["input_ids"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="854x480", help="frame size WxH")
    width, height = (int(v) for v in parser.parse_args().size.split("x"))
    print("| family | high: features (all image tokens) | low: features (all image tokens) |")
    print("| --- | --- | --- |")
    for family in FAMILIES:
        cells = [
            "{} ({})".format(*image_tokens(family, detail, (width, height))) for detail in ("high", "low")
        ]
        print(f"| {family} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
