"""Typed errors. Each carries the HTTP status the server answers with and whether a retry could succeed.

SageMaker asynchronous inference announces any non-2xx answer on the ErrorTopic, so a failed training is never
reported as a success: the callback reads `retryable` to decide between a Step Functions retry and a failure.
"""

from __future__ import annotations


class AvatarTrainingError(Exception):
    """Base class. `status` is the HTTP status of the /invocations answer."""

    status = 500
    retryable = True

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable

    def to_body(self) -> dict:
        return {"error": str(self), "errorType": type(self).__name__, "retryable": self.retryable}


class InvalidTrainingRequestError(AvatarTrainingError):
    """The request itself is wrong (bad JSON, missing field, hyperparameter out of bounds): never retried."""

    status = 400
    retryable = False


class InvalidResponseError(ValueError):
    """A training response that does not follow the contract (used by parse_training_response)."""


class InvalidManifestError(AvatarTrainingError):
    """The dataset manifest the request points at is unusable: the data must be fixed, a retry cannot help."""

    status = 422
    retryable = False


class ObjectNotFoundError(AvatarTrainingError):
    """An input object (manifest, image, base model prefix) does not exist."""

    status = 422
    retryable = False


class StorageError(AvatarTrainingError):
    """Reading or writing S3 failed for a reason that may be transient (throttling, network)."""

    status = 500
    retryable = True


class BaseModelError(AvatarTrainingError):
    """The base model could not be located or downloaded."""

    status = 500
    retryable = True


class TrainingFailedError(AvatarTrainingError):
    """The training itself failed. `retryable` is False for failures that would repeat (NaN loss, out of memory)."""

    status = 500
    retryable = True


class PackagingError(AvatarTrainingError):
    """The trained adapter could not be packaged as a Triton model (missing weights, missing template)."""

    status = 500
    retryable = False
