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
        Action   = ["sns:Publish"]
        Resource = aws_sns_topic.events.arn
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
      EVENTS_TOPIC_ARN = aws_sns_topic.events.arn
    }
  }
  kms_key_arn = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "state_machine" {
  name              = "/aws/vendedlogs/states/${local.name}-workflow"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_iam_role" "state_machine" {
  name = "${local.name}-state-machine"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = "sts:AssumeRole"
        Principal = {
          Service = "states.amazonaws.com"
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "state_machine" {
  name = "invoke-steps"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeTheSteps"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = [aws_lambda_function.api.arn]
      },
      {
        Sid    = "DeliverLogsAndTraces"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ]
        Resource = "*"
      },
    ]
  })
}

resource "aws_sfn_state_machine" "workflow" {
  name     = "${local.name}-workflow"
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine.arn
  definition = jsonencode({
    Comment = "api: one Task state per step, in order, each retried."
    StartAt = "api"
    States = {
      api = {
        Type     = "Task"
        Resource = "arn:aws:states:::lambda:invoke"
        Parameters = {
          FunctionName = aws_lambda_function.api.arn
          "Payload.$"  = "$"
        }
        OutputPath     = "$.Payload"
        TimeoutSeconds = 60
        Retry = [
          {
            ErrorEquals = [
              "Lambda.ServiceException",
              "Lambda.AWSLambdaException",
              "Lambda.SdkClientException",
              "Lambda.TooManyRequestsException",
              "States.Timeout",
            ]
            IntervalSeconds = 2
            MaxAttempts     = 3
            BackoffRate     = 2
          },
        ]
        End = true
      }
    }
  })
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }
  tracing_configuration {
    enabled = true
  }
  depends_on = [aws_iam_role_policy.state_machine]
  tags = {
    Name  = "${local.name}-workflow"
    Steps = "api"
  }
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
