"""SSM Parameter Store: the application's configuration as a KMS-encrypted SecureString, readable
by the application's roles only; the value is a variable, changed outside Terraform after that."""

from __future__ import annotations

from autcloud.agent.capabilities.base import declare
from autcloud.agent.capabilities.secrets_manager import grant
from autcloud.agent.catalog.base import (
    Blueprint,
    Context,
    Output,
    ResourceSpec,
    Variable,
    interp,
    tags,
)
from autcloud.agent.hcl import Block, Expr


def build(bp: Blueprint, ctx: Context) -> None:
    bp.blocks.append("ssm_parameter")
    value = bp.var(
        Variable(
            "app_config",
            "string",
            "Initial application configuration (JSON) stored as a SecureString; later changes are made in "
            "Parameter Store and left alone by Terraform.",
            "{}",
            sensitive=True,
        )
    )
    bp.add(
        ResourceSpec(
            "aws_ssm_parameter",
            "app_config",
            "security",
            "The application's configuration as a SecureString, encrypted with the KMS key.",
            {
                "name": interp("/${local.name}/app/config"),
                "description": "Application configuration (JSON)",
                "type": "SecureString",
                "tier": "Standard",
                "key_id": Expr("aws_kms_key.main.arn"),
                "value": value,
                "lifecycle": Block("lifecycle", body={"ignore_changes": [Expr("value")]}),
                "tags": tags("app-config"),
            },
            block="ssm_parameter",
        )
    )
    grant(
        bp,
        "app_parameters",
        "Lets the application read its own parameters under /<project>-<env>/app/ only.",
        [
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                "Resource": interp(
                    "arn:aws:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter/${local.name}/app/*"
                ),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": Expr("aws_kms_key.main.arn"),
            },
        ],
        "ssm_parameter",
    )
    bp.out(
        Output(
            "app_config_parameter",
            "aws_ssm_parameter.app_config.name",
            "Parameter Store name of the app configuration.",
        )
    )


CAPABILITY = declare("ssm_parameter", build=build)
