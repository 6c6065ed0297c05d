"""The `avatar_lora` Triton backend: the code of every subject's avatar model on the GPU multi-model endpoint.

A Python-based backend (Triton's "Python-based backends"): the serving image bakes this file in at
/opt/tritonserver/backends/avatar_lora/model.py (sagemaker/serving/Dockerfile), and Triton runs it, with the Python
backend's stub and libraries from /opt/tritonserver/backends/python/, for every model whose config.pbtxt says
`backend: "avatar_lora"`. The packages (built by sagemaker/training/src/avatar_training/packaging.py, one per subject
and model version) carry no code: `<model>/config.pbtxt`, `<model>/1/avatar-model.json` and `<model>/1/adapter/`
(the LoRA weights), which this file reads from the model's folder (`model_repository` in initialize()'s args).

initialize() loads the base Stable Diffusion pipeline from BASE_MODEL_DIR (installed on every instance by the
container's start.sh, from the same BASE_MODEL the training endpoint used) in fp16 on the GPU (fp32 on a machine
without CUDA, as in the CPU tests), then the LoRA adapter.
execute() generates one image per request, seeded, and returns it as base64-encoded PNG bytes in `image`. A bad
input is answered with Triton's INVALID_ARG (HTTP 400 from Triton), a failed generation with INTERNAL (500).

torch, diffusers and numpy are imported inside the functions that need them, and triton_python_backend_utils only
exists inside Triton, so this file compiles and its helpers can be tested with a stub backend module.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

try:  # only importable inside Triton's Python backend (or a stub installed by the tests)
    import triton_python_backend_utils as pb_utils
except ImportError:  # pragma: no cover - outside Triton
    pb_utils = None

DEFAULT_BASE_MODEL_DIR = "/opt/avatar/base-model"
# The file StableDiffusionPipeline.save_lora_weights writes. Named, because with HF_HUB_OFFLINE (no hub at serving
# time) diffusers refuses to guess it: "When using the offline mode, you must specify a `weight_name`".
ADAPTER_WEIGHTS = "pytorch_lora_weights.safetensors"
DEFAULT_STEPS = 30
MAX_STEPS = 100
DEFAULT_GUIDANCE = 7.5
MAX_GUIDANCE = 20.0
MAX_PROMPT_CHARS = 1000
MAX_SEED = 2**63 - 1
MIN_SIDE = 64
MAX_SIDE = 1024
SIDE_MULTIPLE = 8


class InvalidInputError(ValueError):
    """A request input is missing or out of range; answered as a Triton error for that request."""


class GenerationInputs(NamedTuple):
    prompt: str
    negative_prompt: str
    seed: int | None
    num_inference_steps: int
    guidance_scale: float
    height: int | None = None
    """None: the base model's own size (512 for SD 2.1-base)."""
    width: int | None = None


def _first(value: Any) -> Any:
    """The single element of a [1]-shaped input (numpy array or nested list), as a Python scalar."""
    while True:
        if hasattr(value, "ndim") and getattr(value, "ndim") == 0:
            return value.item() if hasattr(value, "item") else value
        if isinstance(value, (bytes, str, int, float)):
            return value
        try:
            if len(value) == 0:
                raise InvalidInputError("empty input tensor")
            value = value[0]
        except TypeError:
            return value.item() if hasattr(value, "item") else value


def _text(value: Any, name: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(f"{name} is not UTF-8") from None
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string")
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInputError(f"{name} is {len(value)} characters, more than {MAX_PROMPT_CHARS}")
    return value


def _input(request: Any, name: str, backend: Any) -> Any | None:
    tensor = backend.get_input_tensor_by_name(request, name)
    return None if tensor is None else _first(tensor.as_numpy())


def decode_inputs(request: Any, backend: Any = None) -> GenerationInputs:
    """Reads and checks one request's inputs (prompt required; the others optional with defaults)."""
    backend = backend or pb_utils
    prompt = _input(request, "prompt", backend)
    if prompt is None:
        raise InvalidInputError("prompt is required")
    prompt = _text(prompt, "prompt").strip()
    if not prompt:
        raise InvalidInputError("prompt is empty")
    negative = _input(request, "negative_prompt", backend)
    negative = "" if negative is None else _text(negative, "negative_prompt")

    seed = _input(request, "seed", backend)
    if seed is not None:
        seed = int(seed)
        if not 0 <= seed <= MAX_SEED:
            raise InvalidInputError(f"seed {seed} must be from 0 to {MAX_SEED}")
    steps = _input(request, "num_inference_steps", backend)
    steps = DEFAULT_STEPS if steps is None else int(steps)
    if not 1 <= steps <= MAX_STEPS:
        raise InvalidInputError(f"num_inference_steps {steps} must be from 1 to {MAX_STEPS}")
    guidance = _input(request, "guidance_scale", backend)
    guidance = DEFAULT_GUIDANCE if guidance is None else float(guidance)
    if not 0.0 <= guidance <= MAX_GUIDANCE:
        raise InvalidInputError(f"guidance_scale {guidance} must be from 0 to {MAX_GUIDANCE}")
    height, width = (_side(_input(request, name, backend), name) for name in ("height", "width"))
    return GenerationInputs(prompt, negative, seed, steps, guidance, height, width)


def _side(value: Any, name: str) -> int | None:
    if value is None:
        return None
    side = int(value)
    if not MIN_SIDE <= side <= MAX_SIDE or side % SIDE_MULTIPLE:
        raise InvalidInputError(f"{name} {side} must be from {MIN_SIDE} to {MAX_SIDE}, a multiple of {SIDE_MULTIPLE}")
    return side


def triton_error(message: str, code: str = "INTERNAL") -> Any:
    """A TritonError with `code` (INVALID_ARG, INTERNAL, ...) where the backend has error codes (Triton 23.x+)."""
    error_class = pb_utils.TritonError
    code_value = getattr(error_class, code, None)
    return error_class(message) if code_value is None else error_class(message, code_value)


def encode_png_base64(image: Any) -> bytes:
    """A PIL image (anything with .save(fileobj, format=...)) as base64-encoded PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def model_paths(args: dict[str, str]) -> tuple[Path, Path, Path]:
    """(version folder, adapter folder, avatar-model.json) from Triton's initialize() args."""
    version_dir = Path(args["model_repository"]) / str(args.get("model_version") or "1")
    return version_dir, version_dir / "adapter", version_dir / "avatar-model.json"


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        import torch  # lazy: only inside the serving container
        from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

        _, adapter_dir, metadata_file = model_paths(args)
        self.metadata = json.loads(metadata_file.read_text()) if metadata_file.is_file() else {}
        base_dir = os.environ.get("BASE_MODEL_DIR", DEFAULT_BASE_MODEL_DIR)
        if not (Path(base_dir) / "model_index.json").is_file():
            raise RuntimeError(f"no base model in {base_dir}: start.sh should have installed BASE_MODEL there")
        device_id = int(args.get("model_instance_device_id") or 0)
        self.device = f"cuda:{device_id}" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        pipe = StableDiffusionPipeline.from_pretrained(base_dir, torch_dtype=dtype, safety_checker=None)
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
        pipe.load_lora_weights(str(adapter_dir), weight_name=ADAPTER_WEIGHTS)
        pipe.fuse_lora()  # merge the adapter into the weights: no LoRA overhead per step
        pipe.set_progress_bar_config(disable=True)
        self.pipe = pipe.to(self.device)
        self.torch = torch

    def execute(self, requests: list[Any]) -> list[Any]:
        import numpy as np  # lazy

        responses = []
        for request in requests:
            try:
                inputs = decode_inputs(request)
            except (InvalidInputError, ValueError) as e:
                responses.append(pb_utils.InferenceResponse(output_tensors=[], error=triton_error(str(e), "INVALID_ARG")))
                continue
            try:
                generator = None
                if inputs.seed is not None:
                    generator = self.torch.Generator(device=self.device).manual_seed(inputs.seed)
                with self.torch.inference_mode():
                    image = self.pipe(
                        prompt=inputs.prompt,
                        negative_prompt=inputs.negative_prompt or None,
                        num_inference_steps=inputs.num_inference_steps,
                        guidance_scale=inputs.guidance_scale,
                        height=inputs.height,
                        width=inputs.width,
                        generator=generator,
                    ).images[0]
                encoded = encode_png_base64(image)
                output = pb_utils.Tensor("image", np.array([encoded], dtype=np.object_))
                responses.append(pb_utils.InferenceResponse(output_tensors=[output]))
            except Exception as e:  # noqa: BLE001 - one failed request must not fail the batch
                responses.append(
                    pb_utils.InferenceResponse(
                        output_tensors=[], error=triton_error(f"generation failed: {type(e).__name__}: {e}")
                    )
                )
        return responses

    def finalize(self) -> None:
        pipe = getattr(self, "pipe", None)
        self.pipe = None
        if pipe is not None:
            del pipe
            torch = getattr(self, "torch", None)
            if torch is not None and torch.cuda.is_available():
                torch.cuda.empty_cache()
