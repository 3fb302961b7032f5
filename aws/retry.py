"""The one retry policy for AWS calls.

Every request is retried by botocore (:func:`request_retries`: its adaptive mode, which also
slows the client down while AWS throttles). What botocore cannot see is retried by
:func:`retry_leftovers` with tenacity's exponential backoff: a call that answered 200 but
listed some of its items as throttled (``TagResources``' ``FailedResourcesMap``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sized
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt, wait_exponential

from autcloud.aws.errors import THROTTLING_CODES

TRANSIENT_CODES = THROTTLING_CODES | {"InternalServiceException", "ServiceUnavailable"}
MAX_DELAY_S = 20.0  # no single wait longer than this, however many attempts are allowed

Left = TypeVar("Left", bound=Sized)


def request_retries(max_attempts: int, mode: str = "adaptive") -> dict[str, Any]:
    """botocore's ``retries`` setting: every client of every run uses it."""
    return {"mode": mode, "max_attempts": max_attempts}


def is_transient(code: str, status: int | None) -> bool:
    """Worth another try: throttling always, a service fault when its status says so."""
    if code in THROTTLING_CODES:
        return True
    return code in TRANSIENT_CODES and (status is None or status >= 500)


def retry_leftovers(
    attempt: Callable[[], Left],
    *,
    attempts: int,
    base_delay_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Left:
    """Call ``attempt`` until it leaves nothing to retry (an empty result), at most ``attempts``
    times, waiting ``base_delay_s``, twice that, ... in between; the last result is returned.

    ``attempt`` narrows its own work to what is left; an exception it raises is not retried
    (botocore already retried the request)."""

    def last_result(state: RetryCallState) -> Left:
        assert state.outcome is not None  # called once an attempt has finished
        result: Left = state.outcome.result()
        return result

    policy = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=base_delay_s, exp_base=2, max=MAX_DELAY_S),
        retry=retry_if_result(lambda left: len(left) > 0),
        retry_error_callback=last_result,
        sleep=sleep,
    )
    return policy(attempt)
