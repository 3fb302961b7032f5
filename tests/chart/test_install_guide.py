"""docs/install.md's example values file renders, and does what its comments say.

The guide tells users to copy `my-values.yaml` and `helm upgrade --install -f` it; this renders
that very block (read from the guide, so an edit to it is tested) with Helm's own schema check.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.chart.rendering import REPO, env_of, render

GUIDE = REPO / "docs" / "install.md"


def _guide_values() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(# my-values\.yaml\n.*?)```", GUIDE.read_text(), re.DOTALL)
    assert len(blocks) == 1, "docs/install.md: one ```yaml block starting with # my-values.yaml"
    values: dict[str, Any] = yaml.safe_load(blocks[0])
    return values


def test_the_guides_values_file_renders_and_does_what_it_says() -> None:
    values = _guide_values()
    rendered = render(values)  # Helm validates values.schema.json: a stale key fails here
    operator = rendered.one("Deployment", "-operator")["spec"]["template"]["spec"]
    container = operator["containers"][0]
    assert "--namespace=platform" in container["args"]
    assert "--default-provider=openai" in container["args"]
    assert "--default-model=qwen2.5-7b-instruct" in container["args"]
    assert "--default-base-url=http://llm.ai.svc:8000/v1" in container["args"]
    env = env_of(container)
    assert env["OPENAI_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "llm-key",
        "key": "apiKey",
    }
    assert env["AUTCLOUD_REDIS_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "autcloud-redis",
        "key": "url",
    }
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://otel-collector.observability:4318"
    assert not [
        d for d in rendered.of_kind("Deployment") if d["metadata"]["name"].endswith("-redis")
    ]
    assert rendered.one("Ingress", "-gateway")["spec"]["tls"][0]["secretName"] == "autcloud-tls"
    assert rendered.of_kind("ServiceMonitor")
