"""How long find_region takes on a typical request (English and Korean).

Run: .venv/bin/python bench/find_region.py
"""

from __future__ import annotations

import time

from autcloud.agent.regions import find_region

REQUESTS = (
    "A containerised web API with PostgreSQL and Redis in Seoul, highly available, about 50,000 "
    "daily users, budget 800 USD a month",
    "서울 리전에 PostgreSQL과 Redis를 쓰는 컨테이너 웹 API를 만들어 주세요. 일 사용자 5만 명, "
    "월 예산 100만 원, 고가용성이 필요합니다.",
    "let us build an internal tool for our users with a small database and nightly batch jobs",
)


def main() -> None:
    find_region("warm-up")  # compiles the patterns once
    rounds = 1000
    for text in REQUESTS:
        started = time.perf_counter()
        for _ in range(rounds):
            found = find_region(text)
        elapsed = (time.perf_counter() - started) / rounds * 1e6
        print(f"{elapsed:7.1f} µs  {len(text):4d} chars  -> {found.code if found else None}")


if __name__ == "__main__":
    main()
