"""Fixtures of the ML tests: the tiny base model, a bucket folder with real photos, training host processes, and
one real training whose package the serving tests load (trained once per test run)."""

from __future__ import annotations

import atexit
import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SAGEMAKER = Path(__file__).resolve().parents[1]
TINY_HYPERPARAMETERS = SAGEMAKER / "tiny" / "hyperparameters.json"
SUBJECT = "ana"
IMAGE_SET = "is-0123456789abcdef"
MODEL_VERSION = "v-0123456789ab"
SET_PREFIX = f"training/{SUBJECT}/{IMAGE_SET}/"
INSTANCE_PROMPT = "a photo of zwx woman"
CLASS_PROMPT = "a photo of woman"
# Few steps keep a CPU run to seconds; enough for the optimizer to move every LoRA weight.
TRAIN_STEPS = 4
CLASS_IMAGES = 2

_scratch = Path(tempfile.mkdtemp(prefix="avatar-ml-tests-"))
atexit.register(shutil.rmtree, _scratch, True)


def scratch(name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_scratch))
    return path


def tiny_base_model() -> Path:
    value = os.environ.get("AVATAR_TINY_BASE_MODEL")
    if not value or not (Path(value) / "model_index.json").is_file():
        raise RuntimeError(
            "AVATAR_TINY_BASE_MODEL must name the tiny model's folder: run these tests with `npm run test:ml`"
        )
    return Path(value)


def write_photos(folder: Path, count: int, size: int = 96, seed: int = 7) -> list[Path]:
    """Real JPEG photos (smooth colour fields with a face-like ellipse), as the pipeline's crops are JPEGs."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        inset = size // 4 + rng.randrange(size // 8)
        draw.ellipse((inset, inset // 2, size - inset, size - inset // 2), fill=(224, 172, 140))
        path = folder / f"{index + 1:02d}.jpg"
        image.save(path, format="JPEG", quality=90)
        paths.append(path)
    return paths


def write_bucket(root: Path, count: int = 3, missing: int = 0) -> str:
    """A bucket folder with a training set as PrepareTrainingSet writes it; returns the manifest's file:// URI.

    `missing` leaves that many listed images out of the bucket (unusable data)."""
    photos = write_photos(root / SET_PREFIX / "images", count)
    for photo in photos[count - missing:]:
        photo.unlink()
    manifest = {
        "schemaVersion": 1,
        "subjectId": SUBJECT,
        "imageSetId": IMAGE_SET,
        "resolution": 96,
        "instancePrompt": INSTANCE_PROMPT,
        "classPrompt": CLASS_PROMPT,
        "images": [
            {"key": f"{SET_PREFIX}images/{p.name}", "sourceKey": f"subjects/{SUBJECT}/IMG_{i:04d}.jpg"}
            for i, p in enumerate(photos)
        ],
    }
    path = root / SET_PREFIX / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path.as_uri()


def request_document(manifest_uri: str, output_uri: str, base_model: str, **hyperparameters) -> dict:
    return {
        "schemaVersion": 1,
        "subjectId": SUBJECT,
        "imageSetId": IMAGE_SET,
        "modelVersion": MODEL_VERSION,
        "manifestUri": manifest_uri,
        "outputUri": output_uri,
        "baseModel": base_model,
        "hyperparameters": {"maxTrainSteps": TRAIN_STEPS, "numClassImages": CLASS_IMAGES, **hyperparameters},
    }


class HostProcess:
    """The training host as SageMaker runs it: `python -m avatar_training.server serve`, on a free local port."""

    def __init__(self, base_model: Path, name: str = "training-host") -> None:
        self.base_model = str(base_model)
        work = scratch(name)
        env = {
            **os.environ,
            "PYTHONPATH": str(SAGEMAKER / "training" / "src"),
            "BASE_MODEL": self.base_model,
            "PORT": "0",
            "WORK_DIR": str(work / "work"),
            "CLASS_IMAGES_CACHE_DIR": str(work / "class-images"),
            "TRAINING_HYPERPARAMETERS_FILE": str(TINY_HYPERPARAMETERS),
            "HF_HUB_OFFLINE": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "avatar_training.server", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._port: int | None = None
        self._listening = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        atexit.register(self.stop)

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)
            match = re.search(r'"message": "listening", "port": (\d+)', line)
            if match:
                self._port = int(match.group(1))
                self._listening.set()
        self._listening.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def wait_ready(self, timeout: float = 120) -> "HostProcess":
        if not self._listening.wait(timeout) or self._port is None:
            raise RuntimeError("the training host did not start:\n" + "".join(self.lines))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _ = self.get("/ping")
            if status == 200:
                return self
            time.sleep(0.2)
        raise RuntimeError("the training host never answered /ping with 200:\n" + "".join(self.lines))

    def get(self, path: str) -> tuple[int, dict]:
        return self._call(urllib.request.Request(self.url + path))

    def invoke(self, document: dict | bytes, timeout: float = 600) -> tuple[int, dict]:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        request = urllib.request.Request(
            self.url + "/invocations", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        return self._call(request, timeout)

    @staticmethod
    def _call(request: urllib.request.Request, timeout: float = 30) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def losses(self) -> list[float]:
        """The losses the training logged ("step N/M loss X")."""
        return [float(m.group(1)) for line in self.lines for m in [re.search(r"step \d+/\d+ loss (\S+?)[\"\s]", line)] if m]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass(frozen=True)
class Training:
    host: HostProcess
    status: int
    response: dict
    package: Path
    bucket: Path
    seconds: float


@functools.lru_cache(maxsize=1)
def training_host() -> HostProcess:
    return HostProcess(tiny_base_model()).wait_ready()


@functools.lru_cache(maxsize=1)
def trained() -> Training:
    """One real training over HTTP: class images, DreamBooth LoRA with prior preservation, package, upload."""
    host = training_host()
    bucket = scratch("bucket")
    manifest_uri = write_bucket(bucket)
    package = bucket / "adapters" / SUBJECT / MODEL_VERSION / "model.tar.gz"
    started = time.monotonic()
    status, response = host.invoke(request_document(manifest_uri, package.as_uri(), host.base_model))
    return Training(host, status, response, package, bucket, time.monotonic() - started)
