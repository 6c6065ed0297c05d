"""Benchmark of one DreamBooth LoRA training step, through the real training code (dreambooth_lora.train_lora).

    python sagemaker/bench/bench_training.py [--steps 100]          # a GPU: SD 2.1-base architecture, 512 px
    python sagemaker/bench/bench_training.py --tiny --steps 10       # a CPU: the tiny model at 64 px

Without --tiny it builds Stable Diffusion 2.1-base's architecture (UNet 865M parameters, its VAE and OpenCLIP
ViT-H text encoder, from the configs below) with RANDOM weights, offline, and saves it once into --work-dir: the
step time and memory of a training depend on the shapes, not on the weights. It then trains as the product does
by default: 512 px, LoRA rank 128 (UNet) / 64 (text encoder), prior preservation (batch of one instance and one
class image), fp16, AdamW, for --steps steps. It reports seconds per step (after --warmup steps, which pay for
CUDA kernels' first launches), peak GPU memory, and the projected time of a 1,000-step training, as JSON.

On a GPU machine: install sagemaker/requirements.lock (or torch, diffusers 0.31, peft, transformers, accelerate),
then run it from the repository root; `--out result.json` keeps the figures. With --tiny it needs only the CPU
environment (`npm run bench:training -- --tiny`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

SAGEMAKER = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SAGEMAKER / "training" / "src"))
sys.path.insert(0, str(SAGEMAKER / "tiny"))

# stabilityai/stable-diffusion-2-1-base's configs (unet/, vae/, text_encoder/ config.json), reduced to the
# fields that set the shapes.
SD21_BASE_UNET = dict(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280), attention_head_dim=(5, 10, 20, 20), cross_attention_dim=1024,
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    use_linear_projection=True, norm_num_groups=32,
)
SD21_BASE_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, sample_size=768,
    block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
)
SD21_BASE_TEXT_ENCODER = dict(
    hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=23, hidden_act="gelu",
    projection_dim=512, vocab_size=49408, max_position_embeddings=77, layer_norm_eps=1e-5,
)


def build_sd21_base_architecture(out_dir: Path) -> Path:
    """A save_pretrained pipeline with SD 2.1-base's shapes and random weights (saved in fp16: half the disk)."""
    if (out_dir / "model_index.json").is_file():
        return out_dir
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from build_tiny_model import write_tokenizer_files

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        vocab, merges = write_tokenizer_files(Path(tmp))
        tokenizer = CLIPTokenizer(str(vocab), str(merges), pad_token="<|endoftext|>", model_max_length=77)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        **SD21_BASE_TEXT_ENCODER, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    ))
    pipe = StableDiffusionPipeline(
        vae=AutoencoderKL(**SD21_BASE_VAE, scaling_factor=0.18215),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=UNet2DConditionModel(**SD21_BASE_UNET),
        scheduler=DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                clip_sample=False, set_alpha_to_one=False, steps_offset=1),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    pipe.to(torch.float16)
    pipe.save_pretrained(str(out_dir), safe_serialization=True)
    return out_dir


def noise_images(folder: Path, count: int, size: int, seed: int) -> list[Path]:
    from PIL import Image

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"{index:02d}.png"
        Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3)).save(path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Seconds per DreamBooth LoRA step and peak GPU memory.")
    parser.add_argument("--tiny", action="store_true", help="the tiny model (AVATAR_TINY_BASE_MODEL) at 64 px")
    parser.add_argument("--base-model", help="a saved pipeline folder to train instead")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 100; 10 with --tiny)")
    parser.add_argument("--warmup", type=int, default=3, help="steps left out of the per-step time")
    parser.add_argument("--resolution", type=int, default=None, help="default 512 (64 with --tiny)")
    parser.add_argument("--lora-rank", type=int, default=128)
    parser.add_argument("--text-encoder-rank", type=int, default=64)
    parser.add_argument("--mixed-precision", default="fp16", choices=("fp16", "bf16", "no"))
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "avatar-bench")
    parser.add_argument("--out", type=Path, help="also write the result here (JSON)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from avatar_training.config import build_training_config, load_hyperparameters_document
    from avatar_training.device import choose_placement
    from avatar_training.dreambooth_lora import train_lora

    steps = args.steps or (10 if args.tiny else 100)
    resolution = args.resolution or (64 if args.tiny else 512)
    if steps <= args.warmup:
        parser.error(f"--steps {steps} must be more than --warmup {args.warmup}")
    if args.base_model:
        base = Path(args.base_model)
    elif args.tiny:
        base = Path(os.environ.get("AVATAR_TINY_BASE_MODEL", ""))
        if not (base / "model_index.json").is_file():
            parser.error("--tiny needs AVATAR_TINY_BASE_MODEL (npm run bench:training -- --tiny sets it)")
    else:
        started = time.monotonic()
        base = build_sd21_base_architecture(args.work_dir / "sd21-base-architecture")
        print(f"SD 2.1-base architecture ready in {time.monotonic() - started:.0f} s: {base}", file=sys.stderr)

    # The product's defaults with the bench's overrides; the bench is not a request, so no bounds apply.
    defaults = load_hyperparameters_document()["defaults"]
    config = build_training_config(
        {"resolution": resolution, "maxTrainSteps": steps, "loraRank": args.lora_rank,
         "textEncoderRank": args.text_encoder_rank, "mixedPrecision": args.mixed_precision, "numClassImages": 1},
        {"defaults": defaults, "bounds": {}},
    )
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=args.work_dir if args.work_dir.exists() else None))
    step_times: list[float] = []
    last = [0.0]

    def on_ready(_parameters):
        last[0] = time.monotonic()
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    # Per-step times come from the loss each step logs (LOG_EVERY is set to 1 for the bench).
    import avatar_training.dreambooth_lora as loop

    loop.LOG_EVERY = 1

    def timed_log(line: str) -> None:
        if line.startswith("step "):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            now = time.monotonic()
            step_times.append(now - last[0])
            last[0] = now
        else:
            log(line)

    result = train_lora(
        base_model_dir=base,
        instance_images=noise_images(work / "instance", 4, resolution, 1),
        instance_prompt="a photo of zwx person",
        class_images=noise_images(work / "class", 2, resolution, 2),
        class_prompt="a photo of person",
        config=config,
        output_dir=work / "adapter",
        log=timed_log,
        on_adapters_ready=on_ready,
    )
    measured = step_times[args.warmup:]
    seconds_per_step = sum(measured) / len(measured)
    placement = choose_placement(torch, args.mixed_precision)
    report = {
        "model": "tiny" if args.tiny else ("sd-2.1-base architecture, random weights" if not args.base_model else str(base)),
        "device": result["device"],
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "precision": placement.mixed_precision,
        "resolution": resolution,
        "loraRank": args.lora_rank,
        "textEncoderRank": args.text_encoder_rank,
        "priorPreservation": True,
        "steps": steps,
        "warmupSteps": args.warmup,
        "secondsPerStep": round(seconds_per_step, 4),
        "firstStepSeconds": round(step_times[0], 3),
        "peakGpuMemoryGiB": round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None,
        "projected1000StepSeconds": round(seconds_per_step * 1000, 1),
        "finalLoss": result["finalLoss"],
        "torch": torch.__version__,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
