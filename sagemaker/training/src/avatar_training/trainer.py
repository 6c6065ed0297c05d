"""One training request, start to end: manifest -> images -> class images -> LoRA -> package -> upload -> response.

The GPU steps (class images, training) are injected callables, so the orchestration is tested with a fake that
writes a small file as "weights"; the defaults are the diffusers implementations in dreambooth_lora.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .config import TrainingConfig
from .errors import AvatarTrainingError, InvalidManifestError, InvalidTrainingRequestError, TrainingFailedError
from .manifest import DatasetManifest, parse_manifest
from .packaging import build_model_package
from .request import TrainingRequest, TrainingResponse
from .storage import Storage

Log = Callable[[str], None]


@dataclass(frozen=True)
class ClassImagesJob:
    base_model_dir: Path
    class_prompt: str
    count: int
    resolution: int
    seed: int
    mixed_precision: str
    out_dir: Path


@dataclass(frozen=True)
class TrainJob:
    base_model_dir: Path
    instance_images: Sequence[Path]
    instance_prompt: str
    class_images: Sequence[Path]
    class_prompt: str
    config: TrainingConfig
    output_dir: Path
    """Where the LoRA weights must be saved."""


ClassImagesFunction = Callable[[ClassImagesJob, Log], Sequence[Path]]
TrainFunction = Callable[[TrainJob, Log], object]


def diffusers_class_images(job: ClassImagesJob, log: Log) -> Sequence[Path]:
    from .dreambooth_lora import generate_class_images

    return generate_class_images(
        base_model_dir=job.base_model_dir,
        class_prompt=job.class_prompt,
        count=job.count,
        resolution=job.resolution,
        seed=job.seed,
        mixed_precision=job.mixed_precision,
        out_dir=job.out_dir,
        log=log,
    )


def diffusers_train(job: TrainJob, log: Log) -> object:
    from .dreambooth_lora import train_lora

    return train_lora(
        base_model_dir=job.base_model_dir,
        instance_images=job.instance_images,
        instance_prompt=job.instance_prompt,
        class_images=job.class_images,
        class_prompt=job.class_prompt,
        config=job.config,
        output_dir=job.output_dir,
        log=log,
    )


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Trainer:
    """Callable: TrainingRequest -> TrainingResponse, raising AvatarTrainingError subclasses on failure."""

    def __init__(
        self,
        *,
        base_model: str,
        base_model_dir: Path | str,
        storage: Storage | None = None,
        train: TrainFunction = diffusers_train,
        class_images: ClassImagesFunction = diffusers_class_images,
        work_root: Path | str | None = None,
        class_images_cache: Path | str | None = None,
        templates: Path | str | None = None,
        clock: Callable[[], float] = time.monotonic,
        log: Log = _stderr,
    ) -> None:
        self.base_model = base_model
        self.base_model_dir = Path(base_model_dir)
        self.storage = storage or Storage()
        self.train = train
        self.class_images = class_images
        self.work_root = Path(work_root) if work_root else None
        cache = class_images_cache or os.environ.get("CLASS_IMAGES_CACHE_DIR") or "/tmp/avatar-class-images"
        self.class_images_cache = Path(cache)
        self.templates = templates
        self.clock = clock
        self.log = log

    def __call__(self, request: TrainingRequest) -> TrainingResponse:
        if request.base_model != self.base_model:
            raise InvalidTrainingRequestError(
                f"baseModel {request.base_model!r} differs from this endpoint's BASE_MODEL {self.base_model!r}:"
                " training and serving must use the same base model"
            )
        if self.work_root:
            self.work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="avatar-training-", dir=self.work_root) as work:
            return self._run(request, Path(work))

    def _run(self, request: TrainingRequest, work: Path) -> TrainingResponse:
        config = request.config
        timings: dict[str, float] = {}

        started = self.clock()
        manifest = parse_manifest(self.storage.get_bytes(request.manifest_uri), request.manifest_uri)
        self._check_manifest(request, manifest)
        instance_dir = work / "instance"
        instance_images = [
            self.storage.download_file(image.uri, instance_dir / f"{index:03d}{Path(image.key).suffix or '.jpg'}")
            for index, image in enumerate(manifest.images)
        ]
        timings["downloadSeconds"] = self.clock() - started
        self.log(f"{request.subject_id}/{request.model_version}: {len(instance_images)} images downloaded")

        started = self.clock()
        class_images: Sequence[Path] = []
        if config.uses_class_images:
            class_images = self._class_images(manifest.class_prompt, config)
            if len(class_images) < config.num_class_images:
                raise TrainingFailedError(
                    f"only {len(class_images)} of {config.num_class_images} class images were generated"
                )
        timings["classImagesSeconds"] = self.clock() - started

        started = self.clock()
        adapter_dir = work / "adapter"
        adapter_dir.mkdir()
        try:
            self.train(
                TrainJob(
                    base_model_dir=self.base_model_dir,
                    instance_images=instance_images,
                    instance_prompt=manifest.instance_prompt,
                    class_images=class_images,
                    class_prompt=manifest.class_prompt,
                    config=config,
                    output_dir=adapter_dir,
                ),
                self.log,
            )
        except AvatarTrainingError:
            raise
        except Exception as e:  # noqa: BLE001 - any other training failure is reported, never swallowed
            raise TrainingFailedError(f"training failed: {type(e).__name__}: {e}", retryable=False) from e
        if not any(p.is_file() for p in adapter_dir.rglob("*")):
            raise TrainingFailedError("training finished without saving adapter weights", retryable=False)
        timings["trainingSeconds"] = self.clock() - started

        started = self.clock()
        package = build_model_package(
            adapter_dir=adapter_dir,
            out_path=work / "model.tar.gz",
            subject_id=request.subject_id,
            model_version=request.model_version,
            image_set_id=request.image_set_id,
            base_model=request.base_model,
            hyperparameters=config.to_hyperparameters(),
            instance_prompt=manifest.instance_prompt,
            class_prompt=manifest.class_prompt,
            templates=self.templates,
        )
        size = self.storage.upload_file(package.path, request.output_uri)
        timings["packagingSeconds"] = self.clock() - started
        self.log(f"{request.subject_id}/{request.model_version}: {size} bytes uploaded to {request.output_uri}")

        return TrainingResponse(
            subject_id=request.subject_id,
            image_set_id=request.image_set_id,
            model_version=request.model_version,
            adapter_package_uri=request.output_uri,
            adapter_bytes=size,
            base_model=request.base_model,
            hyperparameters=config.to_hyperparameters(),
            timings=timings,
        )

    @staticmethod
    def _check_manifest(request: TrainingRequest, manifest: DatasetManifest) -> None:
        if manifest.subject_id != request.subject_id or manifest.image_set_id != request.image_set_id:
            raise InvalidManifestError(
                f"manifest {request.manifest_uri} is for {manifest.subject_id}/{manifest.image_set_id},"
                f" the request for {request.subject_id}/{request.image_set_id}"
            )

    def _class_images(self, class_prompt: str, config: TrainingConfig) -> Sequence[Path]:
        """Class images depend only on the base model, prompt, count, resolution and seed: cached per container."""
        key = hashlib.sha256(
            "\n".join(
                [self.base_model, class_prompt, str(config.num_class_images), str(config.resolution), str(config.seed)]
            ).encode("utf-8")
        ).hexdigest()[:16]
        final = self.class_images_cache / key
        if final.is_dir():
            cached = sorted(p for p in final.iterdir() if p.is_file())
            if len(cached) >= config.num_class_images:
                self.log(f"reusing {len(cached)} cached class images for {class_prompt!r}")
                return cached[: config.num_class_images]
        partial = self.class_images_cache / f"{key}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            generated = self.class_images(
                ClassImagesJob(
                    base_model_dir=self.base_model_dir,
                    class_prompt=class_prompt,
                    count=config.num_class_images,
                    resolution=config.resolution,
                    seed=config.seed,
                    mixed_precision=config.mixed_precision,
                    out_dir=partial,
                ),
                self.log,
            )
        except AvatarTrainingError:
            raise
        except Exception as e:  # noqa: BLE001
            raise TrainingFailedError(f"class image generation failed: {type(e).__name__}: {e}") from e
        names = [Path(p).name for p in generated]
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
        return [final / name for name in names]
