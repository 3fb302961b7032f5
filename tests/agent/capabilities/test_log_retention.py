from autcloud.agent.capabilities.log_retention import read


def test_retention_stated_after_the_destination_is_read() -> None:
    assert list(read("VPC flow logs to CloudWatch kept 90 days.")) == [
        ("logs to CloudWatch kept 90 days", 90)
    ]


def test_korean_retention_with_the_destination_between_is_read() -> None:
    assert next(iter(read("컨테이너 로그는 CloudWatch에 90일 보관해주세요.")))[1] == 90


def test_exact_days_in_parentheses_win_over_years() -> None:
    assert next(iter(read("로그 그룹 보관 기간 2년(731일), S3")))[1] == 731


def test_years_round_up_to_a_period_cloudwatch_accepts() -> None:
    assert next(iter(read("audit logs kept for 6 years")))[1] == 2192
