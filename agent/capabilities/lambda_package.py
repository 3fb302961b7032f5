"""A starter package for the Lambda functions, so the first ``terraform apply`` can create them.

The functions read their code from the artifacts bucket, which the same apply creates: empty, it
makes CreateFunction fail. For Python and Node.js runtimes the design uploads a small handler
(answers 200 "ok") as the package object; the team's pipeline replaces it later (Terraform ignores
the object's content after creation). Runtimes whose code must be compiled (Java, Go/Rust on
``provided``) get no starter: the design says so, and the package must be uploaded before apply.
"""

from __future__ import annotations

import base64
import io
import zipfile
from functools import cache

from autcloud.agent.capabilities.base import declare
from autcloud.agent.catalog.base import Blueprint, Context, ResourceSpec
from autcloud.agent.hcl import Block, Expr

OBJECT = "aws_s3_object.lambda_package"

_STARTERS = {
    "python": (
        "app.py",
        'def handler(event, context):\n    return {"statusCode": 200, "body": "ok"}\n',
    ),
    "nodejs": (
        "app.mjs",
        'export const handler = async () => ({ statusCode: 200, body: "ok" });\n',
    ),
}


@cache
def starter_zip(runtime: str) -> str | None:
    """The base64 of a zip holding the starter handler for ``runtime``, or None (compiled code).

    Fixed timestamps and permissions: the same design always renders the same bytes."""
    family = next((f for f in _STARTERS if runtime.startswith(f)), None)
    if family is None:
        return None
    name, code = _STARTERS[family]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, code)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _packaged_functions(bp: Blueprint) -> list[ResourceSpec]:
    return [
        r
        for r in bp.resources
        if r.type == "aws_lambda_function"
        and not r.data_source
        and str(r.body.get("s3_key")) == "var.lambda_package_key"
    ]


def build(bp: Blueprint, ctx: Context) -> None:
    functions = _packaged_functions(bp)
    runtime_variable = bp.variables.get("lambda_runtime")
    if not functions or runtime_variable is None or not bp.has("aws_s3_bucket.artifacts"):
        return
    runtime = str(runtime_variable.default)
    content = starter_zip(runtime)
    if content is None:
        bp.notes.append(
            f"Lambda: {runtime} code must be built; upload the package to the artifacts bucket "
            "at the key var.lambda_package_key before `terraform apply`, or the functions cannot "
            "be created."
        )
        return
    bp.add(
        ResourceSpec(
            "aws_s3_object",
            "lambda_package",
            "compute",
            "A starter package (a handler answering 200) so the functions can be created; "
            "your pipeline uploads the real code over it.",
            {
                "bucket": Expr("aws_s3_bucket.artifacts.id"),
                "key": Expr("var.lambda_package_key"),
                "content_base64": content,
                "content_type": "application/zip",
                "kms_key_id": Expr("aws_kms_key.main.arn"),
                "lifecycle": Block(
                    "lifecycle",
                    body={"ignore_changes": [Expr("content_base64"), Expr("etag")]},
                ),
            },
            block="lambda",
        )
    )
    for function in functions:
        function.body["s3_key"] = Expr(f"{OBJECT}.key")


CAPABILITY = declare("lambda_package", build=build, applies=lambda req: True)
