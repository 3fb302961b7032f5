"""The Dockerfile, read as BuildKit reads it: pinned bases, a builder stage, a runtime without
pip, OCI labels, the locked dependencies, TARGETARCH-aware downloads and an offline `deep` build.

No container engine or registry is reachable here, so the image is not built (docs say so);
this test parses the file (continuations, global ARGs, stages) and checks those properties.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from autcloud.agent.combine import AWS_PROVIDER_CONSTRAINT

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"
LOCK = REPO / "requirements.lock"
DIGEST = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")


@dataclass
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    name: str
    base: str  # after substituting the global ARGs' defaults
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.arguments for i in self.instructions if i.keyword == keyword]


@dataclass
class Parsed:
    global_args: dict[str, str]
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        (found,) = [stage for stage in self.stages if stage.name == name]
        return found

    def chain(self, name: str) -> list[Stage]:
        """The stage and the stages it is built FROM, nearest first."""
        names = {stage.name for stage in self.stages}
        result = [self.stage(name)]
        while result[-1].base in names:
            result.append(self.stage(result[-1].base))
        return result


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    return lines


def _substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], m[0]), value)


def parse(text: str) -> Parsed:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(text):
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = [w for w in arguments.split() if not w.startswith("--platform")]
            base = _substitute(words[0], global_args)
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name, base))
        elif not stages:
            assert keyword == "ARG", f"only ARG may come before the first FROM: {line}"
            key, _, default = arguments.partition("=")
            global_args[key] = default.strip('"')
        else:
            stages[-1].instructions.append(Instruction(keyword, arguments))
    return Parsed(global_args, stages)


@pytest.fixture(scope="module")
def dockerfile() -> Parsed:
    return parse(DOCKERFILE.read_text())


def test_every_base_image_is_pinned_by_digest(dockerfile: Parsed) -> None:
    names = {stage.name for stage in dockerfile.stages}
    for stage in dockerfile.stages:
        if stage.base in names or stage.base == "scratch":
            continue
        assert DIGEST.match(stage.base), f"stage {stage.name}: FROM {stage.base} has no digest"
    text = DOCKERFILE.read_text()
    syntax = text.splitlines()[0].removeprefix("# syntax=")
    assert DIGEST.match(syntax), "the Dockerfile frontend is an image too: pin it"
    assert "docker buildx imagetools inspect" in text  # how to refresh a pin
    assert "not build the image" in text  # honest: CI does not build it


def test_the_parser_would_catch_an_unpinned_base() -> None:
    parsed = parse("ARG IMAGE=python:3.11-slim\nFROM ${IMAGE} AS runtime\nRUN true\n")
    assert parsed.stages[0].base == "python:3.11-slim"
    assert not DIGEST.match(parsed.stages[0].base)


def test_the_default_target_is_the_runtime_image(dockerfile: Parsed) -> None:
    assert dockerfile.stages[-1].name == "runtime"
    assert {"builder", "runtime-base", "deep", "provider-mirror", "checkov"} <= {
        stage.name for stage in dockerfile.stages
    }


def test_packages_are_built_in_a_builder_stage_and_only_the_venv_is_copied(
    dockerfile: Parsed,
) -> None:
    builder = dockerfile.stage("builder")
    runs = " ".join(builder.all("RUN"))
    assert "venv --without-pip /opt/autcloud" in runs
    assert "--python /opt/autcloud/bin/python install" in runs
    copies = [c for stage in dockerfile.chain("runtime") for c in stage.all("COPY")]
    assert "--from=builder /opt/autcloud /opt/autcloud" in copies
    assert not [c for c in copies if not c.startswith("--from=")], "no sources in the runtime"


def test_the_runtime_image_has_no_pip_or_setuptools(dockerfile: Parsed) -> None:
    runs = [run for stage in dockerfile.chain("runtime") for run in stage.all("RUN")]
    assert not [run for run in runs if re.search(r"pip[0-9.]* install|setup\.py", run)]
    assert any("pip uninstall -y pip setuptools wheel" in run for run in runs)
    env = " ".join(e for stage in dockerfile.chain("runtime") for e in stage.all("ENV"))
    assert "PATH=/opt/autcloud/bin:$PATH" in env


def test_every_package_folder_is_copied_into_the_builder(dockerfile: Parsed) -> None:
    mapping = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    folders = {path.split("/")[0] for path in mapping.values()}
    copied = {c.split()[0] for c in dockerfile.stage("builder").all("COPY")}
    assert folders <= copied, f"not copied: {folders - copied}"


def test_the_image_carries_oci_labels(dockerfile: Parsed) -> None:
    labels = " ".join(dockerfile.stage("runtime-base").all("LABEL"))
    for key in ("title", "description", "source", "version", "revision", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels, key
    license_ = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]
    assert f'org.opencontainers.image.licenses="{license_}"' in labels


def test_dependencies_come_from_the_hash_checked_lock(dockerfile: Parsed) -> None:
    builder = dockerfile.stage("builder")
    assert "requirements.lock ./" in builder.all("COPY")
    install = next(run for run in builder.all("RUN") if "requirements.lock" in run)
    assert "--require-hashes" in install and "--no-deps" in install


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    text = LOCK.read_text()
    assert "pip-compile" in "\n".join(text.splitlines()[:10])  # the command to regenerate it
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.MULTILINE))
    assert pins
    pinned = {_normalized(name): version for name, version in pins.items()}
    requirements = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for line in requirements:
        requirement = Requirement(line)
        version = pinned.get(_normalized(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements.lock"
        # A constraint raised in pyproject.toml without re-running pip-compile fails here, not
        # only in the image build's `pip check` (which CI does not run).
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {requirement.name}=={version}, outside {line!r}: re-run "
            "the pip-compile command at its top"
        )
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("==", 1)[1])
    assert all("--hash=sha256:" in block for block in blocks)


def test_downloads_follow_the_target_architecture(dockerfile: Parsed) -> None:
    download = dockerfile.stage("provider-download")
    assert "TARGETARCH" in download.all("ARG")
    assert any('-platform="linux_${TARGETARCH}"' in run for run in download.all("RUN"))
    assert "linux_amd64" not in " ".join(
        i.arguments for s in dockerfile.stages for i in s.instructions
    )


def test_deep_takes_the_provider_mirror_from_a_stage_a_build_context_can_replace(
    dockerfile: Parsed,
) -> None:
    mirror = dockerfile.stage("provider-mirror")
    assert mirror.base == "scratch"  # its root is the mirror, like a local folder handed in
    deep = dockerfile.stage("deep")
    assert deep.base == "runtime-base"
    copies = deep.all("COPY")
    assert "--from=provider-mirror / /opt/tf-plugins/" in copies
    assert "--from=checkov /opt/checkov /opt/checkov" in copies
    assert "--build-context provider-mirror=" in DOCKERFILE.read_text()
    env = " ".join(deep.all("ENV"))
    assert "AUTCLOUD_TF_PLUGIN_MIRROR=/opt/tf-plugins" in env


def test_the_chart_readme_links_to_the_dockerfile_instead_of_copying_it() -> None:
    readme = (REPO / "charts" / "autcloud" / "README.md").read_text()
    assert "```dockerfile" not in readme
    assert "](../../Dockerfile)" in readme


def test_the_deep_image_has_what_the_designs_and_the_tests_use(dockerfile: Parsed) -> None:
    # The provider mirror must satisfy the constraint every design writes, and the image's
    # checkov is the version `make checkov` installs for the tests.
    assert dockerfile.global_args["AWS_PROVIDER_CONSTRAINT"] == AWS_PROVIDER_CONSTRAINT
    makefile = (REPO / "Makefile").read_text()
    (checkov,) = re.findall(r"^CHECKOV_VERSION \?= (\S+)$", makefile, re.MULTILINE)
    assert dockerfile.global_args["CHECKOV_VERSION"] == checkov
