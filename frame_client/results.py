"""What the client returns per frame, and the same results shaped like the worker's own output.

Both are the contract's own (`frame_contract.output`): a `FrameResult` is the contract's
`FrameAnswer`, and `to_output` builds exactly what the worker builds for one job.
"""

from __future__ import annotations

from collections.abc import Sequence

from frame_contract.output import FrameAnswer, build_output

FrameResult = FrameAnswer


def to_output(results: Sequence[FrameResult]) -> dict:
    """`{"descriptions", "failed_indices", "errors", "error_codes", "count"}` over all frames.

    A failed frame's description is `""`, as in the worker's output, so a reader that ignores
    `failed_indices` never takes a failure for a description.
    """
    return build_output(results)
