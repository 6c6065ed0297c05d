#!/bin/bash
# Entry point of the serving image (GPU multi-model endpoint, SageMaker's Triton container).
#
# 1. Installs the Stable Diffusion base model on THIS instance, at every container start, before Triton starts
#    (SageMaker only routes to an instance once /ping answers, and Triton answers only once it runs). The source is
#    BASE_MODEL, the same value the training endpoint uses (a Hugging Face id or an s3:// prefix of a pipeline
#    saved with save_pretrained; an s3:// prefix in the endpoint's region starts fastest). It lands in
#    BASE_MODEL_DIR, which the avatar_lora backend's model.py reads. (The seed copied its environment in with a
#    first request, on one instance only.)
# 2. Execs the image's own serve command. SageMaker starts the container as `docker run <image> serve`; in
#    SageMaker's Triton images `serve` is /usr/bin/serve (copied there by Triton's build.py for the sagemaker
#    endpoint; it starts tritonserver with --allow-sagemaker and MME mode when SAGEMAKER_MULTI_MODEL=true).
#    Override with SERVE_COMMAND if a future image moves it.
set -euo pipefail

export BASE_MODEL="${BASE_MODEL:-stabilityai/stable-diffusion-2-1-base}"
export BASE_MODEL_DIR="${BASE_MODEL_DIR:-/opt/avatar/base-model}"

echo "start.sh: installing base model ${BASE_MODEL} into ${BASE_MODEL_DIR}" >&2
# Prints the folder that holds the pipeline (BASE_MODEL_DIR, or the folder itself when BASE_MODEL is local).
BASE_MODEL_DIR="$(python3 -m avatar_training.base_model --source "${BASE_MODEL}" --dest "${BASE_MODEL_DIR}")"
export BASE_MODEL_DIR
echo "start.sh: base model ready in ${BASE_MODEL_DIR}" >&2

SERVE_COMMAND="${SERVE_COMMAND:-/usr/bin/serve}"
if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
  if [ "$#" -gt 0 ]; then shift; fi
  # shellcheck disable=SC2086 # SERVE_COMMAND may carry arguments
  exec ${SERVE_COMMAND} "$@"
fi
exec "$@"
