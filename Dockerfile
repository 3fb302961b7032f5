# syntax=docker/dockerfile:1
# AutCloud: one image for `autcloud operator` and `autcloud gateway`.
#   docker build -t ghcr.io/autcloud/autcloud:0.1.0 .
#   docker build --target deep -t ghcr.io/autcloud/autcloud:0.1.0-deep .   # validation.deep
FROM python:3.11-slim AS runtime
# git: the git sink pushes with the git CLI.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY agent ./agent
COPY operator ./operator
COPY gateway ./gateway
COPY scanner ./scanner
COPY gitsink ./gitsink
COPY accounts ./accounts
RUN pip install --no-cache-dir . && rm -rf /src
RUN groupadd --gid 10001 autcloud \
 && useradd --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin autcloud
WORKDIR /tmp
ENV HOME=/tmp PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
ENTRYPOINT ["autcloud"]

# Deep validation: terraform, the AWS provider as a filesystem mirror, checkov in its own venv.
FROM runtime AS deep
USER root
COPY --from=hashicorp/terraform:1.11.4 /bin/terraform /usr/local/bin/terraform
RUN mkdir /tmp/mirror \
 && printf 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = ">= 5.40, < 6.0"\n    }\n  }\n}\n' > /tmp/mirror/versions.tf \
 && terraform -chdir=/tmp/mirror providers mirror -platform=linux_amd64 /opt/tf-plugins \
 && rm -rf /tmp/mirror
RUN python -m venv /opt/checkov && /opt/checkov/bin/pip install --no-cache-dir 'checkov==3.3.30'
ENV AUTCLOUD_TF_PLUGIN_MIRROR=/opt/tf-plugins AUTCLOUD_CHECKOV_PYTHON=/opt/checkov/bin/python
USER 10001:10001
