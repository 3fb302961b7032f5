"""Pillar scores are earned: a pillar no check looked at is "not assessed", never 100."""

from __future__ import annotations

from autcloud.agent.validation.pillars import PILLARS, CheckOutcome, score
from autcloud.gitsink.pr_body import render_pull_request_body
from autcloud.operator.summary import validation


def test_without_checks_no_pillar_is_scored() -> None:
    scores = score([])
    assert [s.pillar for s in scores] == list(PILLARS)
    assert all(s.score is None and not s.assessed for s in scores)
    assert all(s.to_dict()["assessed"] is False for s in scores)


def test_only_pillars_with_checks_get_a_score() -> None:
    scores = {
        s.pillar: s
        for s in score(
            [
                CheckOutcome("CKV_AWS_16", "Ensure RDS is encrypted", True),
                CheckOutcome("CKV_AWS_157", "Multi-AZ", False, "aws_db_instance.main"),
            ]
        )
    }
    assert scores["security"].score == 100
    assert scores["reliability"].score == 0
    assert scores["reliability"].failing == ["CKV_AWS_157 aws_db_instance.main: Multi-AZ"]
    assert scores["sustainability"].score is None


def test_status_and_pull_request_say_not_assessed() -> None:
    report = {
        "passed": True,
        "steps": [],
        "pillars": [s.to_dict() for s in score([CheckOutcome("CKV_AWS_16", "encrypted", True)])],
    }
    status = {p["pillar"]: p for p in validation({"validation": report})["pillars"]}
    assert status["Security"] == {
        "pillar": "Security",
        "assessed": True,
        "failing": [],
        "score": 100,
    }
    assert "score" not in status["Sustainability"] and status["Sustainability"]["assessed"] is False
    body = render_pull_request_body({"pillars": report["pillars"]})
    assert "| sustainability | not assessed |" in body
