"""A real bare git repository used as the remote, and the means to inspect and race it."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Someone Else",
    "GIT_AUTHOR_EMAIL": "someone@example.com",
    "GIT_COMMITTER_NAME": "Someone Else",
    "GIT_COMMITTER_EMAIL": "someone@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/nonexistent",
}


def git(*args: str, cwd: Path, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, env=GIT_ENV, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.decode()}")
    return done.stdout.decode(errors="replace")


class BareRemote:
    """``git init --bare`` in a folder, seen from outside as a reviewer would see it."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if create:
            path.mkdir(parents=True)
            git("init", "--quiet", "--bare", ".", cwd=path)

    @property
    def url(self) -> str:
        return str(self.path)

    def head(self, branch: str) -> str | None:
        output = git(
            "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}", cwd=self.path
        )
        return output.strip() or None

    def branches(self) -> set[str]:
        output = git("for-each-ref", "--format=%(refname:short)", "refs/heads/", cwd=self.path)
        return set(output.split())

    def files(self, branch: str) -> dict[str, bytes]:
        names = git("ls-tree", "-r", "-z", "--name-only", f"refs/heads/{branch}", cwd=self.path)
        return {
            name: subprocess.run(
                ["git", "cat-file", "blob", f"refs/heads/{branch}:{name}"],
                cwd=self.path,
                capture_output=True,
                env=GIT_ENV,
                check=True,
            ).stdout
            for name in names.split("\0")
            if name
        }

    def history(self, branch: str) -> list[str]:
        return git("rev-list", "--first-parent", f"refs/heads/{branch}", cwd=self.path).split()

    def show(self, sha: str, fmt: str) -> str:
        return git("show", "-s", f"--format={fmt}", sha, cwd=self.path).strip()

    def commit_as_someone_else(self, branch: str, files: dict[str, bytes], work: Path) -> str:
        """Clone, commit ``files`` and push, as another person or process would."""
        if not work.exists():
            git("clone", "--quiet", self.url, str(work), cwd=self.path.parent)
        git("fetch", "--quiet", "origin", cwd=work)
        if self.head(branch):
            git("checkout", "--quiet", "-B", branch, f"origin/{branch}", cwd=work)
        else:
            git("checkout", "--quiet", "--orphan", branch, cwd=work)
        for name, data in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes(data)
        git("add", "--all", cwd=work)
        git("commit", "--quiet", "-m", "someone else's change", cwd=work)
        git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
        return git("rev-parse", "HEAD", cwd=work).strip()
