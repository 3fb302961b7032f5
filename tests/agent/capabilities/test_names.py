from autcloud.agent.capabilities._names import names_after


def test_a_quoted_name_after_the_noun_is_read() -> None:
    assert names_after('an SNS topic "user-signups" for', "topic") == (
        'topic "user-signups"',
        ["user-signups"],
    )


def test_a_name_after_called_is_read() -> None:
    assert names_after("a queue called orders and", "queue") == ("queue called orders", ["orders"])


def test_a_parenthesised_list_names_several() -> None:
    found = names_after("three SQS queues (welcome-email, analytics, crm-sync), each", "queue")
    assert found is not None and found[1] == ["welcome-email", "analytics", "crm-sync"]


def test_korean_forms_are_read() -> None:
    assert names_after("orders라는 큐를", "queue", "큐") == ("orders라는 큐", ["orders"])
    assert names_after("큐 이름은 orders", "queue", "큐") == ("큐 이름은 orders", ["orders"])


def test_a_bare_word_without_a_hyphen_names_nothing() -> None:
    assert names_after("a queue for orders", "queue") is None
