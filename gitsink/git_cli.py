"""Running the ``git`` program for the plain-git back end: never interactive, never leaking a token.

Every call gets an environment that cannot prompt (``GIT_TERMINAL_PROMPT=0``, ssh in batch
mode), so a missing credential fails at once instead of hanging a worker. A token reaches git
only as an ``http.<origin>.extraHeader`` set through ``GIT_CONFIG_*`` variables: it is never on a
command line (visible in ``ps``), never in a URL (stored in the cache's config or echoed in
errors), and only sent to the remote's own origin. A failure becomes a :class:`GitSinkError`
classified from git's own words.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from autcloud.gitsink.errors import GitSinkError, Reason, redact

# Inherited variables that would point git at another repository, index or config.
_SCRUBBED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "SSH_ASKPASS")

_CLASSES: tuple[tuple[Reason, bool, re.Pattern[str]], ...] = (
    (
        "GitAuthFailed",
        False,
        re.compile(
            r"authentication failed|could not read (username|password)|terminal prompts disabled"
            r"|permission denied \(publickey|invalid username or password|returned error: 40[13]"
            r"|host key verification failed|permission to .* denied",
            re.IGNORECASE,
        ),
    ),
    (
        "RepositoryNotFound",
        False,
        re.compile(
            r"repository not found|repository '[^']*' not found"
            r"|does not appear to be a git repository|returned error: 404"
            r"|not found: did you run git update-server-info",
            re.IGNORECASE,
        ),
    ),
    ("ServerError", True, re.compile(r"returned error: 5\d\d|internal server error", re.I)),
    (
        "Unreachable",
        True,
        re.compile(
            r"could not resolve host|connection refused|connection timed out|timed out"
            r"|network is unreachable|failed to connect|could not connect|connection reset"
            r"|ssh: connect to host|no route to host|the remote end hung up unexpectedly",
            re.IGNORECASE,
        ),
    ),
)


@dataclass(frozen=True)
class GitCommandError(Exception):
    """git exited non-zero; ``stdout``/``stderr`` are already redacted."""

    args_text: str
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class GitRunner:
    """Runs git against one remote, with that remote's credentials."""

    remote_url: str
    token: str | None = None
    token_username: str = "x-access-token"
    timeout_seconds: float = 120.0

    def run(
        self,
        args: Sequence[str],
        *,
        git_dir: Path,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """git's stdout; raises :class:`GitCommandError` (exit code) or :class:`GitSinkError`.

        ``git_dir`` is the repository git works in, named outright (``GIT_DIR``) so git never
        goes looking in parent folders — a cache inside some checkout must not reach it."""
        command = ["git", *args]
        try:
            completed = subprocess.run(
                command,
                cwd=git_dir,
                input=stdin if stdin is not None else b"",
                capture_output=True,
                env={**self.environment(), **(env or {}), "GIT_DIR": str(git_dir)},
                timeout=self.timeout_seconds,
                check=False,
            )
        except FileNotFoundError as error:
            raise GitSinkError(
                "InvalidTarget",
                "the git program is not installed; install git, or publish to GitHub",
                retryable=False,
            ) from error
        except subprocess.TimeoutExpired as error:
            raise GitSinkError(
                "Unreachable",
                f"git {args[0]} did not finish within {self.timeout_seconds:g} s "
                f"talking to {self.remote_url}",
                retryable=True,
            ) from error
        stdout = self.redact(completed.stdout.decode(errors="replace"))
        if completed.returncode != 0:
            raise GitCommandError(
                args_text=" ".join(args[:1]),
                returncode=completed.returncode,
                stdout=stdout,
                stderr=self.redact(completed.stderr.decode(errors="replace")),
            )
        return stdout

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
        env.update(
            GIT_TERMINAL_PROMPT="0",
            GIT_ASKPASS="",
            LC_ALL="C",  # git's messages in English: the classifier reads them
            LANGUAGE="C",
        )
        env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=20")
        settings = {
            "gc.autoDetach": "false",  # a detached gc would race the next publish's fetch
            "commit.gpgSign": "false",  # a signing prompt would hang an operator
            "http.lowSpeedLimit": "1000",  # a stalled transfer fails after lowSpeedTime
            "http.lowSpeedTime": "30",
        }
        header = self._auth_header()
        if header:
            settings[f"http.{_origin(self.remote_url)}.extraHeader"] = header
        env["GIT_CONFIG_COUNT"] = str(len(settings))
        for index, (key, value) in enumerate(settings.items()):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        return env

    def redact(self, text: str) -> str:
        return redact(text, self.token, self._basic_credentials())

    def failure(self, failed: GitCommandError, action: str) -> GitSinkError:
        """The :class:`GitSinkError` that git's failure of ``action`` means."""
        detail = _last_lines(failed.stderr) or f"git {failed.args_text} exited {failed.returncode}"
        for reason, retryable, pattern in _CLASSES:
            if pattern.search(failed.stderr):
                return GitSinkError(
                    reason,
                    f"{action} {self.remote_url} failed: {detail}{_hint(reason)}",
                    retryable=retryable,
                    secrets=(self.token,),
                )
        return GitSinkError(
            "ServerError",
            f"{action} {self.remote_url} failed: {detail}",
            retryable=True,
            secrets=(self.token,),
        )

    def _auth_header(self) -> str | None:
        credentials = self._basic_credentials()
        return f"Authorization: Basic {credentials}" if credentials else None

    def _basic_credentials(self) -> str | None:
        if not self.token or not self.remote_url.startswith(("https://", "http://")):
            return None
        raw = f"{self.token_username}:{self.token}".encode()
        return base64.b64encode(raw).decode()


def _origin(url: str) -> str:
    """``scheme://host[:port]/``: git's http.<url>.* scope, so the header goes nowhere else."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _last_lines(stderr: str, count: int = 3) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " / ".join(lines[-count:])


def _hint(reason: Reason) -> str:
    if reason == "GitAuthFailed":
        return " (check the token in the git Secret, or the ssh key, and its write access)"
    if reason == "RepositoryNotFound":
        return " (check the repository URL or path, and that the credentials can see it)"
    return ""
