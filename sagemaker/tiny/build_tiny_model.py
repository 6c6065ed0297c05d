"""Builds a tiny Stable Diffusion pipeline with random weights, offline, and saves it with save_pretrained.

    python build_tiny_model.py OUT_DIR

The components follow diffusers' own test fixtures (tests/pipelines/stable_diffusion, get_dummy_components): a
two-block UNet with 32/64 channels and cross-attention width 32, a two-block VAE (64 px images, 32 px latents), a
5-layer CLIP text encoder of width 32 and a DDIM scheduler with SD's betas. diffusers takes its test tokenizer from
the Hub; here the CLIP tokenizer is built from a vocab.json and merges.txt written below (every byte, plus merges
for the words of our prompts), as transformers' CLIP tokenizer tests do, so nothing is downloaded.

The saved folder is a diffusers pipeline like stabilityai/stable-diffusion-2-1-base, only tiny and untrained:
the training host and the serving model read it through BASE_MODEL as they read the real one. Its images are
noise-like. OUT_DIR/tiny-model.json says what it is.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The words the pipeline's prompts use (instance and class prompts, sample styles): merged into whole tokens so
# the text encoder sees words, not bytes. Any other text still tokenizes, byte by byte.
PROMPT_WORDS = (
    "a photo of zwx person woman man portrait as an astronaut in the style painting oil watercolor anime "
    "cyberpunk studio lighting professional headshot fantasy knight pixar character smiling blurry"
).split()
SEED = 0
RESOLUTION = 64
MAX_TOKENS = 77  # CLIP's context length, as in every Stable Diffusion tokenizer


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible byte -> printable character map (same as transformers' CLIP tokenizer)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars)))


def write_tokenizer_files(directory: Path) -> tuple[Path, Path]:
    """vocab.json and merges.txt of a byte-level BPE: every byte alone and word-final, plus the prompt words."""
    symbols = list(bytes_to_unicode().values())
    vocab: dict[str, int] = {}
    for token in symbols + [s + "</w>" for s in symbols]:
        vocab.setdefault(token, len(vocab))
    merges: list[str] = []
    for word in PROMPT_WORDS:
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        merged = parts[0]
        for part in parts[1:]:
            pair = f"{merged} {part}"
            if pair not in merges:
                merges.append(pair)
            merged += part
            vocab.setdefault(merged, len(vocab))
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab.setdefault(special, len(vocab))
    directory.mkdir(parents=True, exist_ok=True)
    vocab_file, merges_file = directory / "vocab.json", directory / "merges.txt"
    vocab_file.write_text(json.dumps(vocab), encoding="utf-8")
    merges_file.write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return vocab_file, merges_file


def build(out_dir: Path) -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import tempfile

    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=RESOLUTION // 2,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=32,
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
        prediction_type="epsilon",
    )
    torch.manual_seed(SEED)
    vae = AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        sample_size=RESOLUTION,
    )
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file, merges_file = write_tokenizer_files(Path(tmp))
        tokenizer = CLIPTokenizer(
            str(vocab_file), str(merges_file), pad_token="<|endoftext|>", model_max_length=MAX_TOKENS
        )
    torch.manual_seed(SEED)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=32,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=5,
            vocab_size=len(tokenizer),
            max_position_embeddings=tokenizer.model_max_length,
        )
    )
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(out_dir), safe_serialization=True)
    (out_dir / "tiny-model.json").write_text(
        json.dumps(
            {
                "description": "Tiny Stable Diffusion pipeline with RANDOM weights, built offline by"
                " sagemaker/tiny/build_tiny_model.py for CPU tests: its images are noise, not avatars.",
                "resolution": RESOLUTION,
                "seed": SEED,
                "parameters": {
                    name: sum(p.numel() for p in model.parameters())
                    for name, model in (("unet", unet), ("vae", vae), ("text_encoder", text_encoder))
                },
            },
            indent=2,
        )
        + "\n"
    )
    return out_dir


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python build_tiny_model.py OUT_DIR", file=sys.stderr)
        return 2
    print(build(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
