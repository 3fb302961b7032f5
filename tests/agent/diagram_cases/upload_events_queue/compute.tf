# Compute: load balancing and the application's runtime.

resource "aws_iam_role" "api_lambda" {
  name = "${local.name}-api-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = "sts:AssumeRole"
        Principal = {
          Service = "lambda.amazonaws.com"
        }
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "api_lambda" {
  role       = aws_iam_role.api_lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "api_lambda" {
  name = "api-permissions"
  role = aws_iam_role.api_lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${aws_s3_bucket.assets.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = aws_s3_bucket.assets.arn
      },
      {
        Effect = "Allow"
        Action = [
          "sqs:SendMessage",
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
        ]
        Resource = aws_sqs_queue.jobs.arn
      },
      {
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = aws_sqs_queue.api_dlq.arn
      },
      {
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.main.arn
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "api_lambda" {
  name              = "/aws/lambda/${local.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_lambda_function" "api" {
  # checkov:skip=CKV_AWS_272:Code signing needs a signing profile and pipeline; add one with CI/CD
  # checkov:skip=CKV_AWS_117:It reaches no private resource, so it stays out of the VPC (no NAT cost)
  function_name                  = "${local.name}-api"
  role                           = aws_iam_role.api_lambda.arn
  runtime                        = var.lambda_runtime
  handler                        = "app.handler"
  architectures                  = ["arm64"]
  s3_bucket                      = aws_s3_bucket.artifacts.id
  s3_key                         = aws_s3_object.lambda_package.key
  memory_size                    = 512
  timeout                        = 29
  reserved_concurrent_executions = 100
  tracing_config {
    mode = "Active"
  }
  dead_letter_config {
    target_arn = aws_sqs_queue.api_dlq.arn
  }
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.api_lambda.name
  }
  environment {
    variables = {
      ASSETS_BUCKET  = aws_s3_bucket.assets.bucket
      JOBS_QUEUE_URL = aws_sqs_queue.jobs.url
    }
  }
  kms_key_arn = aws_kms_key.main.arn
}

resource "aws_iam_role_policy" "api_queue_consumer" {
  name = "api-queue-consumer"
  role = aws_iam_role.api_lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ChangeMessageVisibility",
        ]
        Resource = aws_sqs_queue.jobs.arn
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = aws_kms_key.main.arn
      },
    ]
  })
}

resource "aws_s3_object" "lambda_package" {
  bucket         = aws_s3_bucket.artifacts.id
  key            = var.lambda_package_key
  content_base64 = "UEsDBBQAAAAAAAAAIQCgoXLbSgAAAEoAAAAGAAAAYXBwLnB5ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuIHsic3RhdHVzQ29kZSI6IDIwMCwgImJvZHkiOiAib2sifQpQSwECFAMUAAAAAAAAACEAoKFy20oAAABKAAAABgAAAAAAAAAAAAAApAEAAAAAYXBwLnB5UEsFBgAAAAABAAEANAAAAG4AAAAAAA=="
  content_type   = "application/zip"
  kms_key_id     = aws_kms_key.main.arn
  lifecycle {
    ignore_changes = [content_base64, etag]
  }
}
