# syntax=docker/dockerfile:1.7
# LLaVA-NeXT v1.6 frame-description worker for RunPod serverless.
# Build (weights baked in, ~15 GB):
#   DOCKER_BUILDKIT=1 docker build --secret id=hf_token,env=HF_TOKEN -t frame-describer .
# Build without weights (RunPod cached models or a network volume):
#   docker build --build-arg MODEL_ID= -t frame-describer:slim .
FROM nvidia/cuda:12.8.1-base-ubuntu24.04

ARG DEBIAN_FRONTEND=noninteractive
# NOTE: apt versions are not pinned (DL3008, .hadolint.yaml): Ubuntu replaces old patch
# versions in its archive, so pins would break rebuilds; the Python stack is pinned instead.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HOME=/models/huggingface
RUN python3 -m venv /opt/venv

WORKDIR /worker
# Dependencies first, then weights, then code: a code change rebuilds only the last layer.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

ARG MODEL_ID=llava-hf/llava-v1.6-mistral-7b-hf
ARG MODEL_REVISION=
COPY builder/ builder/
RUN --mount=type=secret,id=hf_token \
    python builder/download_model.py --model-id "${MODEL_ID}" --revision "${MODEL_REVISION}"

COPY handler.py test_input.json ./
COPY frame_describer/ frame_describer/

# The image names its model exactly and never reaches the hub at run time.
ENV MODEL_ID=${MODEL_ID:-llava-hf/llava-v1.6-mistral-7b-hf} \
    MODEL_REVISION=${MODEL_REVISION} \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

CMD ["python", "-u", "handler.py"]
