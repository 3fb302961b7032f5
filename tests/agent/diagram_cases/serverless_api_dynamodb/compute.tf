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
        Effect = "Allow"
        Action = [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
          "dynamodb:BatchGetItem",
          "dynamodb:BatchWriteItem",
        ]
        Resource = [aws_dynamodb_table.main.arn, "${aws_dynamodb_table.main.arn}/index/*"]
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
      TABLE_NAME = aws_dynamodb_table.main.name
    }
  }
  kms_key_arn = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/apigateway/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_apigatewayv2_api" "main" {
  name          = "${local.name}-api"
  protocol_type = "HTTP"
  tags = {
    Name = "${local.name}-api"
  }
  cors_configuration {
    allow_origins = var.cors_allowed_origins
    allow_methods = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
    allow_headers = ["content-type", "authorization"]
    max_age       = 3600
  }
}

resource "aws_apigatewayv2_integration" "app" {
  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.api.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "default" {
  # checkov:skip=CKV_AWS_309:The application authenticates callers itself; add a JWT authorizer when an identity provider exists
  api_id    = aws_apigatewayv2_api.main.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.app.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId = "$context.requestId"
      ip        = "$context.identity.sourceIp"
      status    = "$context.status"
      routeKey  = "$context.routeKey"
      latency   = "$context.integrationLatency"
    })
  }
  default_route_settings {
    throttling_burst_limit = 500
    throttling_rate_limit  = 1000
  }
  tags = {
    Name = "${local.name}-api-stage"
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.main.execution_arn}/*"
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
