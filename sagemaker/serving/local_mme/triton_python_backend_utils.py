"""A stand-in for the module Triton's Python backend gives model.py, for running model.py outside Triton.

Only the boundary model.py uses is here: Tensor, InferenceRequest/InferenceResponse, TritonError with Triton's
error codes, get_input_tensor_by_name. Everything model.py does behind it (diffusers, the adapter, the PNG) runs
for real. The names and signatures follow triton-inference-server/python_backend's documentation.
"""

from __future__ import annotations

from typing import Any


class TritonError:
    # Triton's codes; Triton's HTTP front end answers INVALID_ARG with 400, NOT_FOUND 404, UNAVAILABLE 503,
    # UNSUPPORTED 501 and the others with 500 (http_status_code below).
    UNKNOWN = 0
    INTERNAL = 1
    NOT_FOUND = 2
    INVALID_ARG = 3
    UNAVAILABLE = 4
    UNSUPPORTED = 5
    ALREADY_EXISTS = 6
    CANCELLED = 7

    def __init__(self, message: str, code: int = INTERNAL) -> None:
        self._message = message
        self._code = code

    def message(self) -> str:
        return self._message

    def code(self) -> int:
        return self._code

    def http_status_code(self) -> int:
        return {self.INVALID_ARG: 400, self.NOT_FOUND: 404, self.UNAVAILABLE: 503, self.UNSUPPORTED: 501}.get(
            self._code, 500
        )


class TritonModelException(Exception):
    pass


class Tensor:
    def __init__(self, name: str, array: Any) -> None:
        self._name = name
        self._array = array

    def name(self) -> str:
        return self._name

    def as_numpy(self) -> Any:
        return self._array


class InferenceRequest:
    def __init__(self, inputs: list[Tensor], model_name: str = "", request_id: str = "") -> None:
        self._inputs = inputs
        self.model_name = model_name
        self._request_id = request_id

    def inputs(self) -> list[Tensor]:
        return self._inputs

    def request_id(self) -> str:
        return self._request_id


class InferenceResponse:
    def __init__(self, output_tensors: list[Tensor] | None = None, error: TritonError | None = None) -> None:
        self._outputs = list(output_tensors or [])
        self._error = error

    def output_tensors(self) -> list[Tensor]:
        return self._outputs

    def has_error(self) -> bool:
        return self._error is not None

    def error(self) -> TritonError | None:
        return self._error


def get_input_tensor_by_name(request: InferenceRequest, name: str) -> Tensor | None:
    return next((t for t in request.inputs() if t.name() == name), None)


def get_output_tensor_by_name(response: InferenceResponse, name: str) -> Tensor | None:
    return next((t for t in response.output_tensors() if t.name() == name), None)
