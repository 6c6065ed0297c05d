"""DreamBooth LoRA training host for the avatar pipeline (SageMaker asynchronous inference endpoint).

Every module imports with the standard library only; torch, diffusers, peft, boto3 and huggingface_hub are
imported inside the functions that need them, so the contracts can be tested on a machine without them.
"""
