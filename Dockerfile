# syntax=docker/dockerfile:1.7
# Frame-description worker for RunPod serverless (LLaVA-NeXT v1.6 by default).
# Build with the weights baked in (~15 GB); MODEL_ID is a hub id or a folder in the build context:
#   DOCKER_BUILDKIT=1 docker build --secret id=hf_token,env=HF_TOKEN -t frame-describer .
# Build without weights (RunPod cached models or a network volume):
#   docker build --build-arg MODEL_ID= -t frame-describer:slim .
# The CUDA line is 13.0 (torch 2.14.1's CUDA 13.0 build, NVIDIA driver 580+): this base image,
# requirements.txt/.lock, .runpod's allowedCudaVersions and the README agree
# (tests/deployment/test_cuda_line.py). The base image's NVIDIA_REQUIRE_CUDA also makes the NVIDIA container
# runtime refuse a host whose driver is older.
FROM nvidia/cuda:13.0.1-base-ubuntu24.04

ARG DEBIAN_FRONTEND=noninteractive
# NOTE: apt versions are not pinned (DL3008, .hadolint.yaml): Ubuntu replaces old patch
# versions in its archive, so pins would break rebuilds; the Python stack is locked instead.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1
RUN python3 -m venv /opt/venv

WORKDIR /worker
# Dependencies first, then weights, then code: a code change rebuilds only the last layer.
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

ARG MODEL_ID=llava-hf/llava-v1.6-mistral-7b-hf
ARG MODEL_REVISION=
COPY builder/ builder/
RUN --mount=type=secret,id=hf_token --mount=type=bind,target=/context \
    python builder/download_model.py --model-id "${MODEL_ID}" --revision "${MODEL_REVISION}" \
        --context /context --output /models/baked

COPY handler.py test_input.json ./
COPY frame_contract/ frame_contract/
COPY frame_describer/ frame_describer/

# The image names its model exactly, finds it offline under that name (BAKED_MODEL_DIR), never
# reaches the hub at run time, and never starts without a GPU.
# Settings set here agree with the settings table's image column (frame_describer/settings.py,
# tests/deployment/test_generated.py).
ENV MODEL_ID=${MODEL_ID} \
    MODEL_REVISION=${MODEL_REVISION} \
    BAKED_MODEL_DIR=/models/baked \
    DEVICE=cuda \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# The runpod SDK logs every job's input and output at DEBUG, its default: prompts, signed
# frame URLs and all descriptions (tests/deployment/test_image_logs.py).
ENV RUNPOD_DEBUG_LEVEL=INFO

CMD ["python", "-u", "handler.py"]
