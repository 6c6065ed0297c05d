"""HTTP server of the training endpoint (SageMaker asynchronous inference contract, port 8080).

    GET  /ping         200 {"status": "ok"} once the base model is on disk; 503 {"status": "starting"} before
                       (or {"status": "failed", "error"} when it could not be installed).
    POST /invocations  the training request (request.py) -> 200 with the training response JSON;
                       400 {"error", "retryable": false} for a bad request (bad JSON, field, hyperparameter bounds);
                       422 for unusable input data (manifest, missing image); 500 {"error", "retryable"} when the
                       training fails; 503 {"error": "busy", "retryable": true} while another training runs.
A failed training is never answered with 200: SageMaker then announces it on the ErrorTopic, not the SuccessTopic.

    python -m avatar_training.server [serve]     (the image's entrypoint; SageMaker passes "serve")
Environment: BASE_MODEL, BASE_MODEL_DIR, BASE_MODEL_REVISION (base_model.py), PORT (8080), WORK_DIR,
CLASS_IMAGES_CACHE_DIR (trainer.py), MODEL_TEMPLATE_DIR (packaging.py).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from .errors import AvatarTrainingError, InvalidTrainingRequestError
from .request import MAX_REQUEST_BYTES, TrainingRequest, TrainingResponse, parse_training_request

TrainerFunction = Callable[[TrainingRequest], TrainingResponse]


def _log(message: str, **fields: Any) -> None:
    print(json.dumps({"time": round(time.time(), 3), "message": message, **fields}), file=sys.stderr, flush=True)


class TrainingService:
    """State shared by the request handlers: the trainer (None until ready) and the one-training-at-a-time lock."""

    def __init__(
        self,
        trainer: TrainerFunction | None = None,
        parse: Callable[[bytes], TrainingRequest] = parse_training_request,
        log: Callable[..., None] = _log,
    ) -> None:
        self.trainer = trainer
        self.parse = parse
        self.log = log
        self.startup_error: str | None = None
        self.lock = threading.Lock()

    def set_ready(self, trainer: TrainerFunction) -> None:
        self.trainer = trainer

    def set_failed(self, error: str) -> None:
        self.startup_error = error

    def ping(self) -> tuple[int, dict]:
        if self.trainer is not None:
            return 200, {"status": "ok"}
        if self.startup_error:
            return 503, {"status": "failed", "error": self.startup_error}
        return 503, {"status": "starting"}

    def invoke(self, body: bytes) -> tuple[int, dict]:
        if self.trainer is None:
            return 503, {"error": self.startup_error or "the base model is not ready yet", "retryable": True}
        if not self.lock.acquire(blocking=False):
            return 503, {"error": "busy: another training is running on this instance", "retryable": True}
        try:
            try:
                request = self.parse(body)
            except InvalidTrainingRequestError as e:
                self.log("bad training request", error=str(e))
                return e.status, e.to_body()
            started = time.monotonic()
            self.log("training started", subjectId=request.subject_id, modelVersion=request.model_version)
            try:
                response = self.trainer(request)
            except AvatarTrainingError as e:
                self.log("training failed", error=str(e), errorType=type(e).__name__, retryable=e.retryable)
                return e.status, e.to_body()
            except Exception as e:  # noqa: BLE001 - an unexpected failure is a 500, never a 200
                self.log("training crashed", error=repr(e), trace=traceback.format_exc())
                return 500, {"error": f"{type(e).__name__}: {e}", "errorType": "InternalError", "retryable": False}
            self.log(
                "training succeeded",
                subjectId=request.subject_id,
                modelVersion=request.model_version,
                seconds=round(time.monotonic() - started, 1),
            )
            return 200, response.to_json()
        finally:
            self.lock.release()


class _Handler(BaseHTTPRequestHandler):
    server: "TrainingHTTPServer"
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path.split("?")[0] == "/ping":
            self._send(*self.server.service.ping())
        else:
            self._send(404, {"error": f"no route GET {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path.split("?")[0] != "/invocations":
            self._send(404, {"error": f"no route POST {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send(400, {"error": f"Content-Length must be 0 to {MAX_REQUEST_BYTES}", "retryable": False})
            return
        body = self.rfile.read(length) if length else b""
        self._send(*self.server.service.invoke(body))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quieter than the default
        if not self.path.startswith("/ping"):
            self.server.service.log("http", line=format % args)


class TrainingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: TrainingService) -> None:
        self.service = service
        super().__init__(address, _Handler)


def make_server(service: TrainingService, host: str = "0.0.0.0", port: int = 8080) -> TrainingHTTPServer:
    """Binds the server (port 0 picks a free port: server.server_address[1])."""
    return TrainingHTTPServer((host, port), service)


def main(argv: list[str] | None = None) -> int:
    """Serves on PORT (8080) at once (ping answers 503), installs the base model, then answers 200 to ping."""
    from .base_model import resolve_from_environment
    from .trainer import Trainer

    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] not in ("serve",):
        print(f"usage: python -m avatar_training.server [serve] (got {argv})", file=sys.stderr)
        return 2
    service = TrainingService()
    server = make_server(service, "0.0.0.0", int(os.environ.get("PORT", "8080")))
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    _log("listening", port=server.server_address[1])
    try:
        base_model, base_model_dir = resolve_from_environment()
        service.set_ready(
            Trainer(base_model=base_model, base_model_dir=base_model_dir, work_root=os.environ.get("WORK_DIR") or None)
        )
        _log("ready", baseModel=base_model, baseModelDir=str(base_model_dir))
    except AvatarTrainingError as e:
        service.set_failed(str(e))
        _log("base model unavailable", error=str(e))
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
