"""Where terraform and its providers come from, and the environment every run gets.

Terraform needs the AWS provider to validate a design. The project never lets terraform reach
the network on its own: it writes its own CLI configuration (ignoring the user's) that installs
providers only from a *filesystem mirror*, found in this order:

1. ``AUTCLOUD_TF_PLUGIN_MIRROR`` (an explicit choice: used as given, never second-guessed);
2. the user's Terraform CLI configuration (``TF_CLI_CONFIG_FILE``, else ``~/.terraformrc`` and
   ``~/.terraform.d/*.tfrc``): its ``filesystem_mirror`` paths, then its ``plugin_cache_dir``
   (and ``TF_PLUGIN_CACHE_DIR``) — a plugin cache has the mirror layout, so a machine that ran
   terraform once with a cache validates offline afterwards;
3. well-known folders: Terraform's implied local mirrors (``~/.terraform.d/plugins``,
   ``$XDG_DATA_HOME/terraform/plugins``, ``$XDG_DATA_DIRS/terraform/plugins``) and
   ``/opt/tf-plugins``.

Outside the explicit setting, a folder counts only if it holds
``registry.terraform.io/hashicorp/aws``.
Without a mirror, terraform may download providers only if the user opts in with
``AUTCLOUD_TF_ALLOW_NETWORK=1``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autcloud.agent.tfparse import TerraformParseError, parse_text

TERRAFORM_ENV = "AUTCLOUD_TERRAFORM"
MIRROR_ENV = "AUTCLOUD_TF_PLUGIN_MIRROR"
ALLOW_NETWORK_ENV = "AUTCLOUD_TF_ALLOW_NETWORK"
CACHE_ENV = "AUTCLOUD_CACHE_DIR"

AWS_PROVIDER = Path("registry.terraform.io", "hashicorp", "aws")
WELL_KNOWN_MIRROR = Path("/opt/tf-plugins")

# Only what terraform needs to run: no cloud credentials, no TF_VAR_* values, no TF_LOG (its
# debug log would echo the environment), so nothing secret can reach its output.
_PASSED_THROUGH = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "SYSTEMROOT")
# Downloading providers (opt-in only) may need the user's proxy and certificates.
_PASSED_THROUGH_FOR_NETWORK = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


@dataclass(frozen=True)
class ProviderMirror:
    """A filesystem mirror and how it was found (shown in reports and docs)."""

    path: Path
    found_by: str


@dataclass(frozen=True)
class TerraformSetup:
    """The terraform binary, the provider source and the cache, as discovered for this process."""

    terraform: str | None
    mirror: ProviderMirror | None
    allow_network: bool
    cache_dir: Path
    problem: str = ""  # a setting that points nowhere: reported instead of silently ignored

    @classmethod
    def discover(cls, env: Mapping[str, str] | None = None) -> TerraformSetup:
        env = os.environ if env is None else env
        home = Path(env.get("HOME") or Path.home())
        terraform, terraform_problem = _find_terraform(env)
        mirror, mirror_problem = _find_mirror(env, home)
        return cls(
            terraform=terraform,
            mirror=mirror,
            allow_network=env.get(ALLOW_NETWORK_ENV, "").lower() in {"1", "true", "yes"},
            cache_dir=_cache_root(env, home) / "terraform",
            problem=terraform_problem or mirror_problem,
        )

    @property
    def unavailable_reason(self) -> str:
        """Why providers cannot be installed without the network ("" when they can)."""
        if self.problem:
            return self.problem
        if self.mirror is None and not self.allow_network:
            return (
                f"no provider mirror configured; set {MIRROR_ENV} to a Terraform filesystem "
                f"mirror holding {AWS_PROVIDER.as_posix()} (or {ALLOW_NETWORK_ENV}=1 to let "
                "terraform download providers)"
            )
        return ""

    def cli_config_text(self) -> str:
        """The CLI configuration of every run: the mirror only, or direct download when opted in."""
        lines = ["# Written by AutCloud for its own terraform runs; your CLI config is not read."]
        if self.mirror is not None:
            lines += [
                "provider_installation {",
                "  filesystem_mirror {",
                f"    path = {json.dumps(str(self.mirror.path))}",
                "  }",
                "}",
            ]
        else:
            # Downloads (opt-in) land in one shared cache instead of once per initialised folder.
            lines.append(f"plugin_cache_dir = {json.dumps(str(self.cache_dir / 'plugin-cache'))}")
        return "\n".join(lines) + "\n"

    def cli_config_file(self) -> Path:
        """Write the CLI configuration (named by its content, so runs never race) and return it."""
        text = self.cli_config_text()
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        path = self.cache_dir / f"cli-{digest}.tfrc"
        if not path.exists():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            if self.mirror is None:
                (self.cache_dir / "plugin-cache").mkdir(exist_ok=True)
            handle, staging = tempfile.mkstemp(dir=self.cache_dir, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            Path(staging).replace(path)
        return path

    def subprocess_env(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a terraform run: an allow-list plus the project's own settings."""
        env = os.environ if env is None else env
        names = _PASSED_THROUGH + (_PASSED_THROUGH_FOR_NETWORK if self.mirror is None else ())
        run_env = {name: env[name] for name in names if name in env}
        run_env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config_file()),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        return run_env

    def fingerprint(self) -> str:
        """What an initialised folder depends on besides the design: binary and provider set."""
        parts = [str(self.terraform), str(self.mirror.path if self.mirror else "network")]
        if self.terraform:
            stat = Path(self.terraform).stat()
            parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
        if self.mirror is not None:
            parts.extend(_mirror_contents(self.mirror.path))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _find_terraform(env: Mapping[str, str]) -> tuple[str | None, str]:
    configured = env.get(TERRAFORM_ENV, "")
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path), ""
        return None, f"{TERRAFORM_ENV}={configured} is not an executable file; fix or unset it"
    return shutil.which("terraform", path=env.get("PATH")), ""


def _find_mirror(env: Mapping[str, str], home: Path) -> tuple[ProviderMirror | None, str]:
    configured = env.get(MIRROR_ENV, "")
    if configured:
        path = Path(configured).expanduser()
        if path.is_dir():
            return ProviderMirror(path, MIRROR_ENV), ""
        return None, f"{MIRROR_ENV}={configured} is not a folder; point it at a provider mirror"
    for path, found_by in _mirror_candidates(env, home):
        if (path / AWS_PROVIDER).is_dir():
            return ProviderMirror(path, found_by), ""
    return None, ""


def _mirror_candidates(env: Mapping[str, str], home: Path) -> Iterator[tuple[Path, str]]:
    for config_file in _user_cli_config_files(env, home):
        settings = _read_cli_config(config_file)
        for mirror in _blocks(settings.get("provider_installation")):
            for filesystem_mirror in _blocks(mirror.get("filesystem_mirror")):
                if isinstance(filesystem_mirror.get("path"), str):
                    yield Path(filesystem_mirror["path"]).expanduser(), str(config_file)
        if isinstance(settings.get("plugin_cache_dir"), str):
            yield Path(settings["plugin_cache_dir"]).expanduser(), f"{config_file} (plugin cache)"
    if env.get("TF_PLUGIN_CACHE_DIR"):
        yield Path(env["TF_PLUGIN_CACHE_DIR"]).expanduser(), "TF_PLUGIN_CACHE_DIR"
    # Terraform's implied local mirror folders on Unix, then the folder this project's images use.
    yield home / ".terraform.d" / "plugins", "well-known location"
    data_home = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    yield data_home / "terraform" / "plugins", "well-known location"
    for data_dir in (env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":"):
        if data_dir:
            yield Path(data_dir) / "terraform" / "plugins", "well-known location"
    yield WELL_KNOWN_MIRROR, "well-known location"


def _user_cli_config_files(env: Mapping[str, str], home: Path) -> list[Path]:
    if env.get("TF_CLI_CONFIG_FILE"):
        candidates = [Path(env["TF_CLI_CONFIG_FILE"]).expanduser()]
    else:
        config_dir = home / ".terraform.d"
        extra = sorted(config_dir.glob("*.tfrc")) if config_dir.is_dir() else []
        candidates = [home / ".terraformrc", *extra]
    return [path for path in candidates if path.is_file()]


def _read_cli_config(path: Path) -> dict[str, Any]:
    """The user's CLI settings, or nothing when the file cannot be read (then it is not used)."""
    try:
        text = path.read_text(encoding="utf-8")
        parsed = json.loads(text) if path.suffix == ".json" else parse_text(text, str(path))
    except (OSError, ValueError, TerraformParseError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _blocks(value: Any) -> list[dict[str, Any]]:
    """python-hcl2 gives blocks as lists of dicts; JSON CLI configs may give a single dict."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _mirror_contents(mirror: Path) -> list[str]:
    """hostname/namespace/type/version folders (or packed zips): what the mirror offers."""
    found: list[str] = []
    for provider in sorted(mirror.glob("*/*/*")):
        if provider.is_dir():
            found.extend(entry.relative_to(mirror).as_posix() for entry in provider.iterdir())
    return sorted(found)


def _cache_root(env: Mapping[str, str], home: Path) -> Path:
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "autcloud"
