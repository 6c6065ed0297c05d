"""A local multi-model endpoint for the avatar_lora Triton backend, on CPU or GPU, without Triton.

    python sagemaker/serving/local_mme/host.py --models-dir DIR [--backends-dir DIR] [--port 0] [--work-dir DIR]

It does what SageMaker's Triton container does with one TargetModel, in the fewest lines that keep the backend's
model.py the code that runs: it takes the adapter package (`<tenantId>/<subjectId>/<modelVersion>.tar.gz` under
--models-dir, exactly the archive the training host uploaded), checks it against model-package-layout.json (no code,
only our backend: packaging.check_package), unpacks it, reads the backend and the inputs config.pbtxt declares, and,
as Triton does for a Python-based backend, imports `<backends-dir>/<backend>/model.py` (never anything from the
package) with triton_python_backend_utils replaced by the stand-in next to this file, and calls
TritonPythonModel.initialize() once per package, with the package's model folder as `model_repository`, and
execute() per request. --backends-dir is the image's /opt/tritonserver/backends; it defaults to
sagemaker/serving/backends, whose avatar_lora/model.py the serving Dockerfile bakes in. BASE_MODEL is installed as
start.sh installs it (avatar_training.base_model) and model.py reads BASE_MODEL_DIR.

HTTP (127.0.0.1 by default):
    GET  /ping          200 {"status": "ok"}
    POST /invocations   header X-Amzn-SageMaker-Target-Model: <subjectId>/<modelVersion>.tar.gz
                        body: the KServe v2 request the pipeline sends ({"inputs": [{name, shape, datatype, data}]})
      200  {"model_name", "model_version": "1", "outputs": [{"name": "image", "datatype": "BYTES", ...}]}
      400  bad request: no or unsafe TargetModel, body not KServe JSON, input unknown, missing, of the wrong type
           or shape (Triton refuses these before the model sees them), or model.py's INVALID_ARG error
      404  no such TargetModel under --models-dir
      500  the package cannot be loaded (layout: code in it, another backend, ...; config.pbtxt; a backend not in
           --backends-dir; initialize() raised), or model.py's INTERNAL error
    Every error body is {"error": "...", "errorType": "..."}.
Once the base model is ready it prints one JSON line to stdout: {"message": "listening", "port": N}.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import sys
import tarfile
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

HERE = Path(__file__).resolve().parent
# The repository's backends folder, laid out as the serving image's /opt/tritonserver/backends (<name>/model.py).
DEFAULT_BACKENDS_DIR = HERE.parent / "backends"
sys.path.insert(0, str(HERE))  # model.py's `import triton_python_backend_utils` finds the stand-in
sys.path.insert(1, str(HERE.parents[1] / "training" / "src"))

import triton_python_backend_utils as pb_utils  # noqa: E402

TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model"
# <tenantId>/<subjectId>/<modelVersion>.tar.gz, as DeployModel writes it (functions/platform/bucket-layout.ts).
TARGET_MODEL_PATTERN = re.compile(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*/[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\.tar\.gz$"
)
MAX_BODY_BYTES = 6 * 1024 * 1024  # SageMaker's real-time payload limit
# config.pbtxt data_type -> (KServe datatype, numpy dtype name); "object" holds bytes, as Triton gives strings.
DATATYPES = {
    "TYPE_STRING": ("BYTES", "object"),
    "TYPE_INT64": ("INT64", "int64"),
    "TYPE_INT32": ("INT32", "int32"),
    "TYPE_FP32": ("FP32", "float32"),
}


class HostError(Exception):
    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type

    def body(self) -> dict:
        return {"error": str(self), "errorType": self.error_type}


@dataclass(frozen=True)
class InputSpec:
    name: str
    data_type: str
    optional: bool


def parse_config(text: str) -> tuple[str, str, dict[str, InputSpec]]:
    """(model name, backend, {input name: spec}) from a config.pbtxt; the fields Triton loads and checks requests
    against (packaging.check_config has already refused any other field)."""
    name = re.search(r'(?m)^name:\s*"([^"]+)"', text)
    backend = re.search(r'(?m)^backend:\s*"([^"]+)"', text)
    block = re.search(r"(?ms)^input\s*\[(.*?)^\]", text)
    if not name or not backend or not block:
        raise ValueError("config.pbtxt has no name, no backend or no input list")
    inputs = {}
    for body in re.findall(r"\{(.*?)\}", block.group(1), re.S):
        fields = dict(re.findall(r"(?m)^\s*(\w+):\s*(.+?)\s*$", body))
        spec = InputSpec(fields["name"].strip('"'), fields["data_type"], fields.get("optional") == "true")
        if spec.data_type not in DATATYPES:
            raise ValueError(f"input {spec.name}: data_type {spec.data_type} is not supported here")
        inputs[spec.name] = spec
    return name.group(1), backend.group(1), inputs


@dataclass
class LoadedModel:
    name: str
    inputs: dict[str, InputSpec]
    model: Any
    fingerprint: tuple[int, int]


def _safe_extract(archive: Path, into: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
                raise ValueError(f"unsafe entry {member.name!r}")
        tar.extractall(into, filter="data")


def backend_model_file(backends_dir: Path, backend: str) -> Path:
    """`<backends_dir>/<backend>/model.py`, where Triton looks for a Python-based backend's code."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", backend):
        raise ValueError(f"backend {backend!r} is not a backend name")
    model_file = backends_dir / backend / "model.py"
    if not model_file.is_file():
        raise ValueError(f"no backend {backend!r}: {model_file} does not exist")
    return model_file


class ModelHost:
    def __init__(self, models_dir: Path, work_dir: Path, log=print, backends_dir: Path = DEFAULT_BACKENDS_DIR) -> None:
        self.models_dir = models_dir.resolve()
        self.backends_dir = backends_dir.resolve()
        self.work_dir = work_dir
        self.log = log
        self.loaded: dict[str, LoadedModel] = {}
        # Triton runs one instance of a model (instance_group count 1) one batch at a time.
        self.lock = threading.Lock()

    def _archive(self, target_model: str) -> Path:
        if not target_model or not TARGET_MODEL_PATTERN.match(target_model) or ".." in target_model:
            raise HostError(
                400,
                "ValidationError",
                f"{TARGET_MODEL_HEADER} {target_model!r} must be <tenantId>/<subjectId>/<modelVersion>.tar.gz",
            )
        archive = self.models_dir / target_model
        if not archive.is_file():
            raise HostError(404, "ModelNotFound", f"TargetModel {target_model} is not under {self.models_dir}")
        return archive

    def _load(self, target_model: str) -> LoadedModel:
        archive = self._archive(target_model)
        stat = archive.stat()
        fingerprint = (stat.st_size, stat.st_mtime_ns)
        current = self.loaded.get(target_model)
        if current and current.fingerprint == fingerprint:
            return current
        started = time.monotonic()
        try:
            from avatar_training.packaging import check_package

            data = archive.read_bytes()
            into = self.work_dir / hashlib.sha256(data).hexdigest()[:16]
            # Before anything is unpacked: a package with code in it, or naming another backend, is refused.
            model_name, problems = check_package(data)
            if problems:
                raise ValueError("; ".join(problems))
            if not into.is_dir():
                partial = into.with_name(into.name + ".partial")
                _safe_extract(archive, partial)
                os.replace(partial, into)
            repository = into / model_name
            config_name, backend, inputs = parse_config((repository / "config.pbtxt").read_text())
            if config_name != model_name:
                raise ValueError(f"config.pbtxt names {config_name!r}, the folder is {model_name!r}")
            # As Triton does for a Python-based backend: the backend's model.py, one module per model (Triton runs
            # each model instance in its own stub process).
            model_file = backend_model_file(self.backends_dir, backend)
            spec = importlib.util.spec_from_file_location(f"triton_backend_{backend}_{model_name}", model_file)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            model = module.TritonPythonModel()
            model.initialize(
                {
                    "model_name": model_name,
                    "model_repository": str(repository),
                    "model_version": "1",
                    "model_instance_kind": "CPU",
                    "model_instance_device_id": "0",
                    "model_config": json.dumps(
                        {"name": model_name, "backend": backend, "input": [vars(s) for s in inputs.values()]}
                    ),
                }
            )
        except HostError:
            raise
        except Exception as e:  # noqa: BLE001 - any load failure is the package's, reported as such
            self.log(json.dumps({"message": "model load failed", "targetModel": target_model,
                                 "trace": traceback.format_exc()}))
            raise HostError(500, "ModelLoadError", f"TargetModel {target_model} cannot be loaded: {type(e).__name__}: {e}") from e
        previous = self.loaded.pop(target_model, None)
        if previous is not None:
            previous.model.finalize()
        loaded = LoadedModel(model_name, inputs, model, fingerprint)
        self.loaded[target_model] = loaded
        self.log(json.dumps({"message": "model loaded", "targetModel": target_model, "model": model_name,
                             "backend": str(model_file), "seconds": round(time.monotonic() - started, 2)}))
        return loaded

    @staticmethod
    def _request(loaded: LoadedModel, body: bytes) -> Any:
        import numpy as np

        def bad(message: str) -> HostError:
            return HostError(400, "InvalidInput", message)

        try:
            document = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise bad(f"the body is not JSON: {e}") from None
        items = document.get("inputs") if isinstance(document, dict) else None
        if not isinstance(items, list):
            raise bad('the body must be a KServe v2 request: {"inputs": [{"name", "shape", "datatype", "data"}]}')
        tensors = []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else None
            spec = loaded.inputs.get(name)
            if spec is None:
                raise bad(f"unexpected input {name!r}: {loaded.name} takes {sorted(loaded.inputs)}")
            datatype, dtype = DATATYPES[spec.data_type]
            if item.get("datatype") != datatype:
                raise bad(f"input {name}: datatype {item.get('datatype')!r}, expected {datatype}")
            data = item.get("data")
            if item.get("shape") != [1] or not isinstance(data, list) or len(data) != 1:
                raise bad(f"input {name}: shape must be [1] with one element")
            value = data[0]
            try:
                if datatype == "BYTES":
                    if not isinstance(value, str):
                        raise TypeError("expected a string")
                    array = np.array([value.encode("utf-8")], dtype=np.object_)
                else:
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        raise TypeError("expected a number")
                    array = np.array([value], dtype=dtype)
            except (TypeError, OverflowError, ValueError) as e:
                raise bad(f"input {name}: {e}") from None
            tensors.append(pb_utils.Tensor(name, array))
        given = {t.name() for t in tensors}
        missing = sorted(n for n, s in loaded.inputs.items() if not s.optional and n not in given)
        if missing:
            raise bad(f"missing required inputs {missing}")
        return pb_utils.InferenceRequest(tensors, model_name=loaded.name)

    def invoke(self, target_model: str, body: bytes) -> tuple[int, dict]:
        try:
            with self.lock:
                loaded = self._load(target_model)
                request = self._request(loaded, body)
                started = time.monotonic()
                response = loaded.model.execute([request])[0]
        except HostError as e:
            return e.status, e.body()
        if response.has_error():
            error = response.error()
            return error.http_status_code(), {"error": error.message(), "errorType": "InferenceError"}
        outputs = []
        for tensor in response.output_tensors():
            values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in tensor.as_numpy().tolist()]
            outputs.append({"name": tensor.name(), "datatype": "BYTES", "shape": [len(values)], "data": values})
        self.log(json.dumps({"message": "invoked", "targetModel": target_model,
                             "seconds": round(time.monotonic() - started, 2)}))
        return 200, {"model_name": loaded.name, "model_version": "1", "outputs": outputs}


class _Handler(BaseHTTPRequestHandler):
    server: "HostServer"
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path == "/ping":
            self._send(200, {"status": "ok"})
        else:
            self._send(404, {"error": f"no route GET {self.path}", "errorType": "NotFound"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/invocations":
            self._send(404, {"error": f"no route POST {self.path}", "errorType": "NotFound"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send(400, {"error": f"Content-Length must be 0 to {MAX_BODY_BYTES}", "errorType": "InvalidInput"})
            return
        body = self.rfile.read(length) if length else b""
        self._send(*self.server.host.invoke(self.headers.get(TARGET_MODEL_HEADER, ""), body))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the host logs its own lines
        pass


class HostServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], host: ModelHost) -> None:
        self.host = host
        super().__init__(address, _Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models-dir", required=True, type=Path, help="the MME's ModelDataUrl prefix as a folder")
    parser.add_argument("--work-dir", type=Path, help="where packages are unpacked (default: a temporary folder)")
    parser.add_argument("--backends-dir", type=Path, default=DEFAULT_BACKENDS_DIR,
                        help="the backends folder, <name>/model.py (default: sagemaker/serving/backends)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    args = parser.parse_args(argv)

    from avatar_training.base_model import resolve_from_environment
    from avatar_training.errors import BaseModelError

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        _, base_model_dir = resolve_from_environment()
    except BaseModelError as e:
        log(f"host: base model unavailable: {e}")
        return 1
    os.environ["BASE_MODEL_DIR"] = str(base_model_dir)  # what model.py reads, as start.sh exports it
    import tempfile

    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="avatar-mme-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    server = HostServer((args.host, args.port), ModelHost(args.models_dir, work_dir, log, args.backends_dir))
    print(json.dumps({"message": "listening", "port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
