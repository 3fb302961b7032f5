"""terraform fmt / validate as validation steps, against the real terraform and AWS provider."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import pytest

from autcloud.agent.validation.design_files import DesignFileError
from autcloud.agent.validation.report import StepResult, StepStatus
from autcloud.agent.validation.terraform_env import (
    ALLOW_NETWORK_ENV,
    MIRROR_ENV,
    TERRAFORM_ENV,
    ProviderMirror,
    TerraformSetup,
)
from autcloud.agent.validation.terraform_tool import fmt_check, validate

VERSIONS = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "ap-northeast-2"
}
"""

BUCKET = """\
resource "aws_s3_bucket" "logs" {
  bucket = "shop-logs"
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}
"""


def design(main: str) -> dict[str, str]:
    return {"versions.tf": VERSIONS, "main.tf": main}


# --- validate ------------------------------------------------------------------------------


def test_a_valid_small_aws_configuration_passes(terraform_setup: TerraformSetup) -> None:
    result = validate(design(BUCKET), terraform_setup)

    assert result.status is StepStatus.PASSED, result.findings
    assert result.findings == []


def test_an_unsupported_argument_is_reported_with_file_line_and_address(
    terraform_setup: TerraformSetup,
) -> None:
    main = BUCKET.replace('  bucket = "shop-logs"\n', '  bucket = "shop-logs"\n  colour = "red"\n')

    result = validate(design(main), terraform_setup)

    assert result.status is StepStatus.FAILED
    [finding] = result.findings
    assert finding.check_id == "terraform.validate"
    assert (finding.file, finding.line, finding.address) == ("main.tf", 3, "aws_s3_bucket.logs")
    assert "Unsupported argument" in finding.message and '"colour"' in finding.message


def test_a_reference_to_an_undeclared_resource_is_reported(
    terraform_setup: TerraformSetup,
) -> None:
    main = BUCKET.replace("aws_s3_bucket.logs.id", "aws_s3_bucket.archive.id")

    result = validate(design(main), terraform_setup)

    [finding] = result.findings
    assert (finding.file, finding.line) == ("main.tf", 6)
    assert finding.address == "aws_s3_bucket_versioning.logs"
    assert "undeclared resource" in finding.message and "archive" in finding.message


def test_a_value_outside_the_allowed_set_is_reported(terraform_setup: TerraformSetup) -> None:
    main = BUCKET.replace('status = "Enabled"', 'status = "On"')

    result = validate(design(main), terraform_setup)

    [finding] = result.findings
    assert (finding.file, finding.line) == ("main.tf", 8)
    assert '"Enabled"' in finding.message and "got On" in finding.message


def test_a_syntax_error_is_a_finding_even_before_providers_are_initialised(
    fresh_terraform_setup: TerraformSetup,
) -> None:
    main = BUCKET.replace('bucket = "shop-logs"', "bucket = ")

    result = validate(design(main), fresh_terraform_setup)

    assert result.status is StepStatus.FAILED
    assert [(f.file, f.line) for f in result.findings] == [("main.tf", 2)]


def test_the_second_validation_reuses_the_initialised_providers(
    fresh_terraform_setup: TerraformSetup,
) -> None:
    first = validate(design(BUCKET), fresh_terraform_setup)
    second = validate(design(BUCKET.replace("shop-logs", "shop-audit")), fresh_terraform_setup)

    assert first.details["init_cached"] is False and first.details["init_ms"] > 0
    assert second.details["init_cached"] is True and second.details["init_ms"] == 0
    assert second.status is StepStatus.PASSED


def test_two_validations_at_once_share_one_initialisation_safely(
    fresh_terraform_setup: TerraformSetup,
) -> None:
    good, bad = design(BUCKET), design(BUCKET.replace('"Enabled"', '"On"'))
    results: dict[str, StepResult] = {}

    def run(name: str, files: dict[str, str]) -> None:
        results[name] = validate(files, fresh_terraform_setup)

    threads = [threading.Thread(target=run, args=item) for item in (("good", good), ("bad", bad))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results["good"].status is StepStatus.PASSED
    assert [f.line for f in results["bad"].findings] == [8]
    assert sorted(r.details["init_cached"] for r in results.values()) == [False, True]
    providers = fresh_terraform_setup.cache_dir / "providers"
    assert len([p for p in providers.iterdir() if p.is_dir()]) == 1
    assert list((fresh_terraform_setup.cache_dir / "runs").iterdir()) == []


def test_without_a_provider_mirror_validate_is_skipped_with_the_reason(tmp_path: Path) -> None:
    setup = TerraformSetup("/usr/bin/terraform", None, allow_network=False, cache_dir=tmp_path)

    result = validate(design(BUCKET), setup)

    assert result.status is StepStatus.SKIPPED
    assert "no provider mirror configured; set AUTCLOUD_TF_PLUGIN_MIRROR" in result.reason


def test_without_terraform_both_steps_are_skipped_with_the_reason(tmp_path: Path) -> None:
    setup = TerraformSetup(None, None, allow_network=False, cache_dir=tmp_path)

    for result in (validate(design(BUCKET), setup), fmt_check(design(BUCKET), setup)):
        assert result.status is StepStatus.SKIPPED
        assert "terraform is not installed" in result.reason and TERRAFORM_ENV in result.reason


def test_a_terraform_that_cannot_run_skips_the_step_with_the_reason(tmp_path: Path) -> None:
    setup = TerraformSetup(str(tmp_path / "gone"), None, allow_network=True, cache_dir=tmp_path)

    result = fmt_check(design(BUCKET), setup)

    assert result.status is StepStatus.SKIPPED
    assert result.reason.startswith(f"cannot run {tmp_path / 'gone'}")


def test_an_unwritable_cache_folder_skips_the_step_naming_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    setup = TerraformSetup("/usr/bin/terraform", None, True, cache_dir=blocker / "cache")

    result = validate(design(BUCKET), setup)

    assert result.status is StepStatus.SKIPPED
    assert str(blocker / "cache") in result.reason and "AUTCLOUD_CACHE_DIR" in result.reason


def test_run_folders_left_by_a_killed_process_are_swept(
    fresh_terraform_setup: TerraformSetup,
) -> None:
    left_behind = fresh_terraform_setup.cache_dir / "runs" / "validate-killed"
    left_behind.mkdir(parents=True)
    os.utime(left_behind, (0, 0))

    fmt_check(design(BUCKET), fresh_terraform_setup)

    assert not left_behind.exists()


def test_a_file_name_leaving_the_design_folder_is_refused(tmp_path: Path) -> None:
    setup = TerraformSetup("/usr/bin/terraform", None, allow_network=True, cache_dir=tmp_path)

    with pytest.raises(DesignFileError, match=r"files\['../main.tf'\].*relative"):
        validate({"../main.tf": BUCKET}, setup)


# --- fmt -----------------------------------------------------------------------------------


def test_misformatted_text_is_reported_with_its_lines_and_the_formatted_text(
    terraform_setup: TerraformSetup,
) -> None:
    ugly = BUCKET.replace('  bucket = "shop-logs"', 'bucket="shop-logs"')

    result = fmt_check(design(ugly), terraform_setup)

    assert result.status is StepStatus.FAILED
    [finding] = result.findings
    assert (finding.check_id, finding.file, finding.line) == ("terraform.fmt", "main.tf", 2)
    assert "lines 2" in finding.message
    assert result.details["formatted"]["main.tf"] == BUCKET
    assert '-bucket="shop-logs"' in result.details["diffs"]["main.tf"]


def test_formatted_text_passes(terraform_setup: TerraformSetup) -> None:
    result = fmt_check(design(BUCKET), terraform_setup)

    assert result.status is StepStatus.PASSED
    assert result.details["files_checked"] == 2


def test_text_that_is_not_hcl_is_reported_as_a_syntax_error(
    terraform_setup: TerraformSetup,
) -> None:
    result = fmt_check(
        {"main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = \n}\n'}, terraform_setup
    )

    [finding] = result.findings
    assert (finding.check_id, finding.file, finding.line) == ("terraform.syntax", "main.tf", 2)


# --- where terraform and its providers come from --------------------------------------------


def fake_mirror(folder: Path) -> Path:
    (folder / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir(parents=True)
    return folder


def test_the_mirror_setting_wins(tmp_path: Path) -> None:
    mirror = fake_mirror(tmp_path / "mirror")

    setup = TerraformSetup.discover({MIRROR_ENV: str(mirror), "HOME": str(tmp_path)})

    assert setup.mirror == ProviderMirror(mirror, MIRROR_ENV)


def test_a_mirror_setting_pointing_nowhere_is_reported_not_ignored(tmp_path: Path) -> None:
    setup = TerraformSetup.discover({MIRROR_ENV: str(tmp_path / "nowhere"), "HOME": str(tmp_path)})

    assert setup.mirror is None
    assert f"{MIRROR_ENV}={tmp_path / 'nowhere'} is not a folder" in setup.unavailable_reason


def test_the_filesystem_mirror_of_the_users_cli_config_is_found(tmp_path: Path) -> None:
    mirror = fake_mirror(tmp_path / "corporate-mirror")
    config = tmp_path / "terraform.rc"
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n'
    )

    setup = TerraformSetup.discover({"TF_CLI_CONFIG_FILE": str(config), "HOME": str(tmp_path)})

    assert setup.mirror == ProviderMirror(mirror, str(config))


def test_the_users_plugin_cache_serves_as_a_mirror(tmp_path: Path) -> None:
    cache = fake_mirror(tmp_path / "plugin-cache")
    (tmp_path / ".terraformrc").write_text(f'plugin_cache_dir = "{cache}"\n')

    setup = TerraformSetup.discover({"HOME": str(tmp_path)})

    assert setup.mirror is not None and setup.mirror.path == cache


def test_a_folder_without_the_aws_provider_is_not_taken_for_a_mirror(tmp_path: Path) -> None:
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    (tmp_path / ".terraformrc").write_text(f'plugin_cache_dir = "{empty}"\n')

    setup = TerraformSetup.discover({"HOME": str(tmp_path), "XDG_DATA_DIRS": str(tmp_path)})

    assert setup.mirror is None or setup.mirror.path != empty


def test_network_is_used_only_when_the_user_opts_in(tmp_path: Path) -> None:
    setup = TerraformSetup("/usr/bin/terraform", None, allow_network=False, cache_dir=tmp_path)
    opted_in = dataclasses.replace(setup, allow_network=True)

    assert setup.unavailable_reason and not opted_in.unavailable_reason
    assert "provider_installation" not in opted_in.cli_config_text()
    assert ALLOW_NETWORK_ENV in setup.unavailable_reason


def test_runs_get_the_projects_own_cli_config_installing_from_the_mirror_only(
    tmp_path: Path,
) -> None:
    setup = TerraformSetup(
        "/usr/bin/terraform", ProviderMirror(tmp_path / "m", "test"), False, tmp_path / "cache"
    )

    env = setup.subprocess_env({"PATH": "/usr/bin", "HOME": str(tmp_path)})
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text()

    assert Path(env["TF_CLI_CONFIG_FILE"]).parent == tmp_path / "cache"
    assert f'path = "{tmp_path / "m"}"' in config and "direct" not in config
    assert env["TF_IN_AUTOMATION"] == env["CHECKPOINT_DISABLE"] == "1"


def test_runs_never_see_credentials_or_variables(tmp_path: Path) -> None:
    setup = TerraformSetup("/usr/bin/terraform", None, True, tmp_path)
    secrets = {
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI",
        "TF_VAR_db_password": "hunter2",
        "TF_LOG": "trace",
        "GITHUB_TOKEN": "ghp_x",
    }

    env = setup.subprocess_env({"PATH": os.defpath, **secrets})

    assert not set(secrets) & set(env)
