"""DreamBooth with LoRA on Stable Diffusion (diffusers + peft), after diffusers' examples/dreambooth/
train_dreambooth_lora.py, cut down to what the pipeline uses: one GPU, batch size 1 (plus one class image with prior
preservation), constant learning rate, LoRA on the UNet attention (and optionally the text encoder), weights saved as
`pytorch_lora_weights.safetensors` with StableDiffusionPipeline.save_lora_weights (loaded back by the serving
model with pipe.load_lora_weights).

Everything heavy is imported inside the functions: this module imports (and is compiled in tests) without torch.
It needs no network: the base model is already on disk (base_model.py). The device and dtypes come from
device.choose_placement, so the same code trains on a GPU in half precision and on a CPU in fp32.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from .config import TrainingConfig
from .device import choose_placement, release_memory
from .errors import TrainingFailedError

UNET_TARGET_MODULES = ["to_k", "to_q", "to_v", "to_out.0"]
TEXT_ENCODER_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "out_proj"]
CLASS_IMAGE_STEPS = 25
CLASS_IMAGE_BATCH = 4
LOG_EVERY = 50

Log = Callable[[str], None]
# Called once the adapters are in place, with {name: parameter} of every trainable LoRA weight (tests snapshot them).
OnAdaptersReady = Callable[[dict], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _out_of_memory(e: BaseException) -> TrainingFailedError:
    return TrainingFailedError(
        f"out of GPU memory ({e}); lower loraRank, textEncoderRank or resolution, or use a larger instance",
        retryable=False,
    )


def generate_class_images(
    *,
    base_model_dir: Path,
    class_prompt: str,
    count: int,
    resolution: int,
    seed: int,
    mixed_precision: str,
    out_dir: Path,
    log: Log = _stderr,
) -> list[Path]:
    """Generates `count` prior-preservation images of the class prompt with the base pipeline into `out_dir`."""
    import torch
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

    out_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(out_dir.glob("*.png"))
    if len(existing) >= count:
        return existing[:count]
    placement = choose_placement(torch, mixed_precision)
    pipe = None
    try:
        pipe = StableDiffusionPipeline.from_pretrained(
            str(base_model_dir), torch_dtype=placement.weight_dtype, safety_checker=None
        )
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
        pipe.set_progress_bar_config(disable=True)
        pipe.to(placement.device)
        generator = torch.Generator(placement.device).manual_seed(seed)
        for start in range(len(existing), count, CLASS_IMAGE_BATCH):
            n = min(CLASS_IMAGE_BATCH, count - start)
            with torch.inference_mode():
                images = pipe(
                    [class_prompt] * n,
                    height=resolution,
                    width=resolution,
                    num_inference_steps=CLASS_IMAGE_STEPS,
                    generator=generator,
                ).images
            for offset, image in enumerate(images):
                image.save(out_dir / f"{start + offset:04d}.png")
        log(f"generated {count - len(existing)} class images for {class_prompt!r} on {placement.device}")
    except torch.cuda.OutOfMemoryError as e:
        raise _out_of_memory(e) from e
    finally:
        pipe = None
        release_memory(torch)
    return sorted(out_dir.glob("*.png"))[:count]


def _load_image_tensor(path: Path, resolution: int):
    """Resize the shorter side to `resolution`, centre-crop, scale to [-1, 1], CHW float32."""
    import numpy as np
    import torch
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    scale = resolution / min(image.size)
    image = image.resize(
        (max(resolution, round(image.width * scale)), max(resolution, round(image.height * scale))),
        Image.BILINEAR,
    )
    left, top = (image.width - resolution) // 2, (image.height - resolution) // 2
    image = image.crop((left, top, left + resolution, top + resolution))
    array = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def train_lora(
    *,
    base_model_dir: Path,
    instance_images: Sequence[Path],
    instance_prompt: str,
    class_images: Sequence[Path],
    class_prompt: str,
    config: TrainingConfig,
    output_dir: Path,
    log: Log = _stderr,
    on_adapters_ready: OnAdaptersReady | None = None,
) -> dict:
    """Trains the LoRA adapter and saves it into `output_dir`.

    Returns {"steps", "finalLoss", "secondsPerStep", "device"}.
    """
    import torch
    import torch.nn.functional as F
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from diffusers import AutoencoderKL, DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.optimization import get_scheduler
    from diffusers.training_utils import cast_training_params
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict
    from transformers import AutoTokenizer, CLIPTextModel

    if not instance_images:
        raise TrainingFailedError("no instance images to train on", retryable=False)
    use_prior = config.uses_class_images and len(class_images) > 0
    base = str(base_model_dir)
    try:
        placement = choose_placement(torch, config.mixed_precision)
        accelerator = Accelerator(mixed_precision=placement.mixed_precision, cpu=not placement.is_cuda)
        set_seed(config.seed)
        weight_dtype = placement.weight_dtype
        device = accelerator.device

        tokenizer = AutoTokenizer.from_pretrained(base, subfolder="tokenizer", use_fast=False)
        noise_scheduler = DDPMScheduler.from_pretrained(base, subfolder="scheduler")
        text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")
        vae = AutoencoderKL.from_pretrained(base, subfolder="vae")
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")
        for model in (vae, text_encoder, unet):
            model.requires_grad_(False)
            model.to(device, dtype=weight_dtype)

        # LoRA with alpha = rank (scale 1), Gaussian init, as in the diffusers example.
        unet.add_adapter(
            LoraConfig(
                r=config.lora_rank,
                lora_alpha=config.lora_rank,
                init_lora_weights="gaussian",
                target_modules=UNET_TARGET_MODULES,
            )
        )
        # Checkpointing trades compute for GPU memory; a CPU has the memory and would only run slower.
        if placement.is_cuda:
            unet.enable_gradient_checkpointing()
        trained = [unet]
        if config.train_text_encoder:
            text_encoder.add_adapter(
                LoraConfig(
                    r=config.text_encoder_rank,
                    lora_alpha=config.text_encoder_rank,
                    init_lora_weights="gaussian",
                    target_modules=TEXT_ENCODER_TARGET_MODULES,
                )
            )
            if placement.is_cuda:
                text_encoder.gradient_checkpointing_enable()
            trained.append(text_encoder)
        if weight_dtype != torch.float32:
            cast_training_params(trained, dtype=torch.float32)  # trainable LoRA weights stay in fp32
        params = [p for model in trained for p in model.parameters() if p.requires_grad]
        if on_adapters_ready is not None:
            on_adapters_ready(
                {
                    f"{prefix}.{name}": p
                    for prefix, model in zip(("unet", "text_encoder"), trained)
                    for name, p in model.named_parameters()
                    if p.requires_grad
                }
            )

        optimizer = torch.optim.AdamW(params, lr=config.learning_rate, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
        lr_scheduler = get_scheduler(
            "constant", optimizer=optimizer, num_warmup_steps=0, num_training_steps=config.max_train_steps
        )
        if config.train_text_encoder:
            unet, text_encoder, optimizer, lr_scheduler = accelerator.prepare(unet, text_encoder, optimizer, lr_scheduler)
        else:
            unet, optimizer, lr_scheduler = accelerator.prepare(unet, optimizer, lr_scheduler)

        def token_ids(prompt: str):
            return tokenizer(
                prompt, truncation=True, padding="max_length", max_length=tokenizer.model_max_length, return_tensors="pt"
            ).input_ids

        instance_pixels = [_load_image_tensor(p, config.resolution) for p in instance_images]
        class_pixels = [_load_image_tensor(p, config.resolution) for p in class_images] if use_prior else []
        input_ids = token_ids(instance_prompt)
        if use_prior:
            input_ids = torch.cat([input_ids, token_ids(class_prompt)])
        input_ids = input_ids.to(device)

        order = random.Random(config.seed)
        instance_queue: list[int] = []
        class_queue: list[int] = []

        def next_index(queue: list[int], size: int) -> int:
            if not queue:
                queue.extend(order.sample(range(size), size))
            return queue.pop()

        unet.train()
        if config.train_text_encoder:
            text_encoder.train()
        loss_value = float("nan")
        loop_started = time.monotonic()
        for step in range(1, config.max_train_steps + 1):
            pixels = [instance_pixels[next_index(instance_queue, len(instance_pixels))]]
            if use_prior:
                pixels.append(class_pixels[next_index(class_queue, len(class_pixels))])
            pixel_values = torch.stack(pixels).to(device, dtype=weight_dtype)
            with accelerator.autocast():
                with torch.no_grad():
                    latents = vae.encode(pixel_values).latent_dist.sample() * vae.config.scaling_factor
                noise = torch.randn_like(latents)
                timesteps = torch.randint(
                    0, noise_scheduler.config.num_train_timesteps, (latents.shape[0],), device=device
                ).long()
                noisy_latents = noise_scheduler.add_noise(latents, noise, timesteps)
                encoder_hidden_states = text_encoder(input_ids, return_dict=False)[0]
                model_pred = unet(noisy_latents, timesteps, encoder_hidden_states, return_dict=False)[0]
            if noise_scheduler.config.prediction_type == "v_prediction":
                target = noise_scheduler.get_velocity(latents, noise, timesteps)
            else:
                target = noise
            if use_prior:
                model_pred, model_pred_prior = torch.chunk(model_pred, 2, dim=0)
                target, target_prior = torch.chunk(target, 2, dim=0)
                loss = F.mse_loss(model_pred.float(), target.float())
                loss = loss + config.prior_loss_weight * F.mse_loss(model_pred_prior.float(), target_prior.float())
            else:
                loss = F.mse_loss(model_pred.float(), target.float())
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(params, 1.0)
            optimizer.step()
            lr_scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            loss_value = loss.detach().item()
            if loss_value != loss_value or loss_value in (float("inf"), float("-inf")):
                raise TrainingFailedError(
                    f"loss became {loss_value} at step {step}; lower learningRate or use mixedPrecision bf16/no",
                    retryable=False,
                )
            if step % LOG_EVERY == 0 or step == config.max_train_steps:
                log(f"step {step}/{config.max_train_steps} loss {loss_value:.6f}")
        seconds_per_step = (time.monotonic() - loop_started) / config.max_train_steps

        accelerator.wait_for_everyone()
        unet_layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(accelerator.unwrap_model(unet)))
        text_encoder_layers = None
        if config.train_text_encoder:
            text_encoder_layers = convert_state_dict_to_diffusers(
                get_peft_model_state_dict(accelerator.unwrap_model(text_encoder))
            )
        output_dir.mkdir(parents=True, exist_ok=True)
        StableDiffusionPipeline.save_lora_weights(
            save_directory=str(output_dir),
            unet_lora_layers=unet_layers,
            text_encoder_lora_layers=text_encoder_layers,
            safe_serialization=True,
        )
        accelerator.end_training()
        log(f"trained {config.max_train_steps} steps on {device}: {seconds_per_step:.3f} s per step")
        return {
            "steps": config.max_train_steps,
            "finalLoss": loss_value,
            "secondsPerStep": seconds_per_step,
            "device": str(device),
        }
    except torch.cuda.OutOfMemoryError as e:
        raise _out_of_memory(e) from e
    finally:
        release_memory(torch)
