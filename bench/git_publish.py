"""How long a publish to a plain git remote takes (a local bare repository, so git's own work).

Prints: the first publish (cold cache, clone included), an identical re-publish (no commit),
a one-file change, and four designs published at once to the same base branch (the
non-fast-forward retries included). Run: .venv/bin/python bench/git_publish.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from autcloud.gitsink import GitTarget, PublishOptions, publish

FILE_COUNT = 25
REPEATS = 5


def design_files(version: int) -> dict[str, bytes]:
    files = {
        f"module_{n}/main.tf": (f"# v{version if n == 0 else 0}\n" * 80).encode()
        for n in range(FILE_COUNT)
    }
    files["diagram.svg"] = b"<svg/>" * 200
    return files


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    os.environ["GIT_CONFIG_GLOBAL"] = "/dev/null"
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        remote = root / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
        first: list[float] = []
        same: list[float] = []
        changed: list[float] = []
        for repeat in range(REPEATS):
            options = PublishOptions(cache_dir=root / f"cache-{repeat}")
            target = GitTarget(str(remote), path=f"designs/d{repeat}", mode="push")

            def run(
                version: int, target: GitTarget = target, options: PublishOptions = options
            ) -> object:
                return publish(
                    target, design_files(version), message="m", design_id="d", options=options
                )

            first.append(timed(lambda: run(1)))
            same.append(timed(lambda: run(1)))
            changed.append(timed(lambda: run(2)))
        together = timed(lambda: publish_four_at_once(remote, root))
    print(f"plain git, {FILE_COUNT + 1} files, median of {REPEATS}:")
    print(f"  first publish (cold cache)      {statistics.median(first):7.1f} ms")
    print(f"  identical re-publish (no commit){statistics.median(same):7.1f} ms")
    print(f"  one file changed                {statistics.median(changed):7.1f} ms")
    print(f"  4 designs at once, same branch  {together:7.1f} ms (wall, all landed)")


def publish_four_at_once(remote: Path, root: Path) -> None:
    options = PublishOptions(cache_dir=root / "shared-cache", git_attempts=10)
    threads = [
        threading.Thread(
            target=publish,
            args=(GitTarget(str(remote), path=f"together/{name}", mode="push"), design_files(1)),
            kwargs={"message": "m", "design_id": name, "options": options},
        )
        for name in "abcd"
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
