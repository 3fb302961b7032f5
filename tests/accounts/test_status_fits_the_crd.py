"""What ProjectTag and MonitorTarget write to status fits their CRDs, at the edges of the input.

Each status goes through the CRD's status write path (tests/crds/apiserver.py, the same the
emulated API server of the operator tests runs): a value over a maxLength or maxItems would be
a 422, and the whole status would be lost. AWS is a real moto server; answers moto cannot give
(a long per-ARN error) are injected with a botocore hook, as the test says.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import yaml

from autcloud.accounts import AwsClients, reconcile_project_tag
from autcloud.accounts.conditions import CONDITION_MESSAGE_MAX
from autcloud.accounts.project_tag import FAILURE_MESSAGE_MAX, FAILURE_REASON_MAX
from tests.accounts.conftest import REGION
from tests.accounts.seed import Aws, seed_kinds
from tests.crds.manifests import CRD_DIR, api_for
from tests.scanner.conftest import MotoServer

TAG = {"key": "Project", "value": "shop"}


def _written(kind: str, spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    """The status as the API server stores it (``Invalid`` if it would refuse it)."""
    api = api_for(kind)
    meta = {"name": "shop", "namespace": "default"}
    stored = api.create(
        {"apiVersion": "autcloud.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}
    )
    written = api.update_status(stored.object, status)
    assert written.warnings == []  # nothing pruned either
    return dict(written.object["status"])


def test_the_condition_message_limit_is_the_crds() -> None:
    for name in ("autcloud.io_projecttags.yaml", "autcloud.io_monitortargets.yaml"):
        crd = yaml.safe_load((CRD_DIR / name).read_text(encoding="utf-8"))
        status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
        message = status["properties"]["conditions"]["items"]["properties"]["message"]
        assert message["maxLength"] == CONDITION_MESSAGE_MAX, name


def test_the_failed_entry_limits_are_the_crds() -> None:
    crd = yaml.safe_load((CRD_DIR / "autcloud.io_projecttags.yaml").read_text(encoding="utf-8"))
    status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    failed = status["properties"]["failed"]["items"]["properties"]
    assert failed["reason"]["maxLength"] == FAILURE_REASON_MAX
    assert failed["message"]["maxLength"] == FAILURE_MESSAGE_MAX


def test_twenty_long_unknown_arns_still_make_a_status_the_crd_accepts(
    clients: AwsClients, moto: MotoServer
) -> None:
    # The ArnsFound message names up to 20 ARNs; at 2,000 characters each that is past the
    # condition message's 32,768.
    arns = [f"arn:aws:s3:::{index:02d}{'b' * 1980}" for index in range(25)]
    spec = {"tag": TAG, "regions": [REGION], "selectors": {"arns": arns}}

    result = reconcile_project_tag(spec, clients=clients)

    status = _written("ProjectTag", spec, result.status_patch)
    arns_found = next(c for c in status["conditions"] if c["type"] == "ArnsFound")
    assert len(arns_found["message"]) == CONDITION_MESSAGE_MAX
    assert arns_found["message"].startswith("25 of 25 ARNs")


def test_long_tagging_errors_still_make_a_status_the_crd_accepts(
    clients: AwsClients, moto: MotoServer
) -> None:
    """Injected: the tagging API refuses the topic with a 5,000-character message and a
    3,000-character code (in a 200 answer, as TagResources lists failures), and so does SNS's
    own TagResource (a before-call hook answering 400)."""
    topic = seed_kinds(Aws(moto.url, REGION)).arns["sns:topic"]
    code = "Refused" + "x" * 3000

    def refuse_topic(parsed: dict[str, Any], **_: Any) -> None:
        failure = {"StatusCode": 400, "ErrorCode": code, "ErrorMessage": "m" * 5000}
        parsed["FailedResourcesMap"] = {topic: failure}

    def refuse_fallback(**_: Any) -> tuple[Any, dict[str, Any]]:
        error = {"Error": {"Code": code, "Message": "m" * 5000}}
        return SimpleNamespace(status_code=400), {
            **error,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    hooks: Any = clients.session.events  # the stubs type handlers as -> None
    hooks.register("after-call.resource-groups-tagging-api.TagResources", refuse_topic)
    hooks.register("before-call.sns.TagResource", refuse_fallback)
    spec = {"tag": TAG, "regions": [REGION], "mode": "enforce", "resourceKinds": ["sns:topic"]}

    result = reconcile_project_tag(spec, clients=clients, sleep=lambda _: None)

    status = _written("ProjectTag", spec, result.status_patch)
    [failure] = status["failed"]
    assert failure["arn"] == topic
    assert (len(failure["reason"]), len(failure["message"])) == (
        FAILURE_REASON_MAX,
        FAILURE_MESSAGE_MAX,
    )
    assert failure["reason"].startswith("Refused") and failure["reason"].endswith("…")
