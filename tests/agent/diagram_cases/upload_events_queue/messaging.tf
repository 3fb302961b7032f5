# Messaging and scheduling.

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AccountOwner"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
        }
        Action = [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:Subscribe",
          "SNS:Publish",
          "SNS:ListSubscriptionsByTopic",
        ]
        Resource = aws_sns_topic.alerts.arn
      },
      {
        Sid    = "CloudTrailNotify"
        Effect = "Allow"
        Principal = {
          Service = "cloudtrail.amazonaws.com"
        }
        Action   = "sns:Publish"
        Resource = aws_sns_topic.alerts.arn
        Condition = {
          ArnLike = {
            "aws:SourceArn" = "arn:aws:cloudtrail:${var.region}:${data.aws_caller_identity.current.account_id}:trail/${local.name}"
          }
        }
      },
    ]
  })
}

resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "${local.name}-jobs-dlq"
  kms_master_key_id         = aws_kms_key.main.id
  message_retention_seconds = 1209600
  tags = {
    Name = "${local.name}-jobs-dlq"
  }
}

resource "aws_sqs_queue" "jobs" {
  name                       = "${local.name}-jobs"
  kms_master_key_id          = aws_kms_key.main.id
  visibility_timeout_seconds = 300
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 20
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
  tags = {
    Name = "${local.name}-jobs"
  }
}

resource "aws_sqs_queue" "api_dlq" {
  name                      = "${local.name}-api-dlq"
  kms_master_key_id         = aws_kms_key.main.id
  message_retention_seconds = 1209600
}

resource "aws_lambda_event_source_mapping" "jobs_to_api" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.api.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true
  depends_on              = [aws_iam_role_policy.api_queue_consumer]
}
