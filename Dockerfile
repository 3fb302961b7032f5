# syntax=docker/dockerfile:1.7@sha256:a57df69d0ea827fb7266491f2813635de6f17269be881f696fbfdf2d83dda33e
# AutCloud: one image for `autcloud operator` and `autcloud gateway` (charts/autcloud/README.md,
# "Image contract"), for the platform BuildKit builds for (linux/amd64 or linux/arm64):
#
#   docker buildx build -t ghcr.io/autcloud/autcloud:0.1.0 .                      # runtime (the default)
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/autcloud/autcloud:0.1.0 --push .
#   docker buildx build --target deep -t ghcr.io/autcloud/autcloud:0.1.0-deep .   # validation.deep
#
# Offline `deep` build: make a Terraform filesystem mirror of the AWS provider for the target
# platform once, wherever there is network, and hand it in as the build context
# `provider-mirror` (it replaces the stage of that name, so nothing is downloaded):
#
#   terraform providers mirror -platform=linux_arm64 ./tf-mirror   # beside a versions.tf
#   docker buildx build --target deep --platform linux/arm64 \
#     --build-context provider-mirror=./tf-mirror -t ghcr.io/autcloud/autcloud:0.1.0-deep .
#
# Base images (and the Dockerfile frontend above) are pinned by digest: the tag is for people,
# the digest decides what is pulled.
# The digests were taken from published references to these tags and could not be pulled or
# verified here: this repository's CI does not build the image (it has no registry access), and
# tests/test_dockerfile.py checks the file's structure only. Before a release, and to move a pin,
# read the tag's current digest with
#   docker buildx imagetools inspect python:3.11-slim-bookworm --format '{{json .Manifest.Digest}}'
# and edit the ARG below (or pass --build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:...).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91
ARG TERRAFORM_IMAGE=hashicorp/terraform:1.11.4@sha256:5820b87995595425074f881500a037b0ccd41158d0d9b44d78f5f120612f2d3d
ARG AWS_PROVIDER_CONSTRAINT=">= 5.40, < 6.0"
ARG CHECKOV_VERSION=3.3.30
ARG VERSION=0.1.0
ARG REVISION=unknown

# --- builder: every Python package into a virtualenv that has no pip of its own -------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv --without-pip /opt/autcloud
WORKDIR /src
# The lock (requirements.lock: every package pinned with its hashes) first, so a code change
# does not reinstall the dependencies. --no-deps: the lock is the whole set, nothing else comes.
COPY requirements.lock ./
RUN python -m pip --python /opt/autcloud/bin/python install --require-hashes --no-deps \
      -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
COPY agent ./agent
COPY operator ./operator
COPY gateway ./gateway
COPY scanner ./scanner
COPY gitsink ./gitsink
COPY accounts ./accounts
COPY aws ./aws
# The project itself; its build backend (setuptools) lives only in pip's isolated build env.
RUN python -m pip --python /opt/autcloud/bin/python install --no-deps . \
 && python -m pip --python /opt/autcloud/bin/python check

# --- runtime-base: what both images share -----------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime-base
ARG VERSION
ARG REVISION
LABEL org.opencontainers.image.title="AutCloud" \
      org.opencontainers.image.description="Kubernetes operator and SSE gateway that turn a plain-language request into validated Terraform for AWS" \
      org.opencontainers.image.source="https://github.com/autcloud/autcloud" \
      org.opencontainers.image.url="https://github.com/autcloud/autcloud" \
      org.opencontainers.image.documentation="https://github.com/autcloud/autcloud/blob/main/charts/autcloud/README.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="AutCloud" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# git: the git sink pushes with the git CLI. The base image's own pip, setuptools and wheel go:
# nothing installs packages at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python -m pip uninstall -y pip setuptools wheel \
 && rm -f /usr/local/bin/pip /usr/local/bin/pip3* \
 && groupadd --gid 10001 autcloud \
 && useradd --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin autcloud
COPY --from=builder /opt/autcloud /opt/autcloud
WORKDIR /tmp
ENV PATH=/opt/autcloud/bin:$PATH HOME=/tmp PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
ENTRYPOINT ["autcloud"]

# --- provider-mirror: the AWS provider for the target platform, as a filesystem mirror --------
# Replaced by `--build-context provider-mirror=DIR` for an offline build (see the top).
FROM ${TERRAFORM_IMAGE} AS provider-download
ARG TARGETARCH
ARG AWS_PROVIDER_CONSTRAINT
RUN mkdir -p /work \
 && printf 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "%s"\n    }\n  }\n}\n' "${AWS_PROVIDER_CONSTRAINT}" > /work/versions.tf \
 && terraform -chdir=/work providers mirror -platform="linux_${TARGETARCH}" /mirror

FROM scratch AS provider-mirror
COPY --from=provider-download /mirror/ /

# --- checkov: in a virtualenv of its own (it pins boto3 and replaces python-hcl2's hcl2) ------
FROM ${PYTHON_IMAGE} AS checkov
ARG CHECKOV_VERSION
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv --without-pip /opt/checkov \
 && python -m pip --python /opt/checkov/bin/python install "checkov==${CHECKOV_VERSION}"

# --- deep: runtime + terraform, the provider mirror and checkov (validation.deep.enabled) -----
FROM ${TERRAFORM_IMAGE} AS terraform
FROM runtime-base AS deep
# terraform comes from the image for the target platform: BuildKit resolves the digest's index
# to TARGETARCH's manifest.
COPY --from=terraform /bin/terraform /usr/local/bin/terraform
COPY --from=provider-mirror / /opt/tf-plugins/
COPY --from=checkov /opt/checkov /opt/checkov
ENV AUTCLOUD_TF_PLUGIN_MIRROR=/opt/tf-plugins AUTCLOUD_CHECKOV_PYTHON=/opt/checkov/bin/python

# --- runtime: the image the chart runs; the last stage, so a plain `docker build` makes it ----
FROM runtime-base AS runtime
