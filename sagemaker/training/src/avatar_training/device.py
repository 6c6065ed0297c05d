"""Where the training and class-image generation run, chosen once per training.

With CUDA: the GPU, weights in the requested half precision (fp16, or bf16 where the GPU supports it) and
accelerate's mixed precision to match. Without CUDA (a CPU test run, a laptop): the CPU in fp32, whatever
`mixedPrecision` says, because accelerate refuses fp16 without a GPU and half-precision kernels on CPU are slow or
missing. Nothing else in the training code names a device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Placement:
    device: str
    """A torch device string: "cuda" or "cpu"."""
    weight_dtype: Any
    """The dtype of the frozen weights (the trainable LoRA weights stay fp32)."""
    mixed_precision: str
    """What accelerate.Accelerator(mixed_precision=...) gets: "fp16", "bf16" or "no"."""

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")


def choose_placement(torch: Any, mixed_precision: str) -> Placement:
    """The placement for `mixed_precision` ("fp16" | "bf16" | "no") on this machine."""
    if not torch.cuda.is_available():
        return Placement("cpu", torch.float32, "no")
    if mixed_precision == "bf16" and not torch.cuda.is_bf16_supported():
        # An older GPU (T4, V100) has no bf16: fp16 keeps the speed and memory the request asked for.
        mixed_precision = "fp16"
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(mixed_precision, torch.float32)
    return Placement("cuda", dtype, mixed_precision)


def release_memory(torch: Any) -> None:
    """Returns cached GPU memory between phases (class images, training); nothing to do on CPU."""
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
