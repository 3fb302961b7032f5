"""The chart ships the repository's CRDs unchanged, and NOTES.txt tells what to do next."""

from __future__ import annotations

import helm_python
import pytest

from tests.chart.rendering import CHART_DIR, NAMESPACE, RELEASE, REPO, scenario

SOURCE_CRDS = REPO / "crds"
CHART_CRDS = CHART_DIR / "crds"


def test_chart_crds_are_the_repository_crds_byte_for_byte() -> None:
    # crds/ is the source of truth; after changing it, run: cp crds/*.yaml charts/autcloud/crds/
    source = {path.name: path.read_bytes() for path in SOURCE_CRDS.glob("*.yaml")}
    copies = {path.name: path.read_bytes() for path in CHART_CRDS.iterdir()}
    assert sorted(copies) == sorted(source), "charts/autcloud/crds/ must hold exactly crds/*.yaml"
    stale = [name for name in source if copies[name] != source[name]]
    assert stale == [], f"out of date (run: cp crds/*.yaml charts/autcloud/crds/): {stale}"


def test_helm_loads_the_three_crds() -> None:
    with helm_python.Chart.load(CHART_DIR) as chart:
        names = sorted(crd["name"] for crd in chart.crds)
    assert names == [
        "crds/autcloud.io_infradesigns.yaml",
        "crds/autcloud.io_monitortargets.yaml",
        "crds/autcloud.io_projecttags.yaml",
    ]


def test_notes_tell_how_to_check_apply_and_watch() -> None:
    notes = scenario("defaults").notes
    assert f"rollout status deployment/{RELEASE}-autcloud-operator" in notes
    assert f"kubectl -n {NAMESPACE} apply -f -" in notes
    assert "kind: InfraDesign" in notes
    assert f"kubectl -n {NAMESPACE} get infradesigns" in notes
    assert "--for=condition=Ready" in notes
    assert f"port-forward service/{RELEASE}-autcloud-gateway 8080:8080" in notes
    assert 'curl -N -H "Authorization: Bearer $TOKEN"' in notes
    assert f"/v1/namespaces/{NAMESPACE}/infradesigns/hello/events" in notes


def test_notes_use_the_ingress_host_when_there_is_one() -> None:
    notes = scenario("ingress").notes
    assert (
        f"https://autcloud.example.com/v1/namespaces/{NAMESPACE}/infradesigns/hello/events" in notes
    )
    assert "port-forward" not in notes


def test_notes_apply_the_example_in_the_first_watched_namespace() -> None:
    notes = scenario("watch-namespaces").notes
    assert "objects in team-a, team-b." in notes
    assert "kubectl -n team-a get infradesigns" in notes


@pytest.mark.parametrize(
    ("name", "expected", "absent"),
    [
        ("defaults", "rbac.secretNames", None),
        ("watch-namespaces", None, "rbac.secretNames"),
        ("defaults", "validation.deep.enabled=true", None),
        ("deep-validation", None, "validation.deep.enabled=true"),
        ("gateway-token-auth", "Secret gateway-token (key token)", "create token"),
        ("no-gateway", None, "curl -N"),
        ("external-redis-secret", "Secret redis-url", None),
        ("redis-without-persistence", "redis.persistence.enabled=false", None),
        ("defaults", None, "redis.persistence.enabled=false"),
    ],
)
def test_notes_mention_what_applies(name: str, expected: str | None, absent: str | None) -> None:
    notes = scenario(name).notes
    if expected:
        assert expected in notes
    if absent:
        assert absent not in notes


def test_notes_never_show_a_template_error_or_no_value() -> None:
    for name in ("defaults", "ingress", "watch-all-namespaces-with-leader-election", "no-gateway"):
        assert "<no value>" not in scenario(name).notes
