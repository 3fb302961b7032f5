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

resource "aws_iam_role" "scheduler" {
  name = "${local.name}-scheduler"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = "sts:AssumeRole"
        Principal = {
          Service = "scheduler.amazonaws.com"
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "scheduler" {
  name = "invoke-job"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "batch:SubmitJob"
        Resource = [aws_batch_job_queue.main.arn, "${aws_batch_job_definition.main.arn_prefix}:*"]
      },
    ]
  })
}

resource "aws_scheduler_schedule" "job" {
  name                         = "${local.name}-job"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = aws_kms_key.main.arn
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn = "arn:aws:scheduler:::aws-sdk:batch:submitJob"
    input = jsonencode({
      JobName       = "${local.name}-scheduled"
      JobQueue      = aws_batch_job_queue.main.arn
      JobDefinition = aws_batch_job_definition.main.arn
    })
    role_arn = aws_iam_role.scheduler.arn
    retry_policy {
      maximum_retry_attempts = 2
    }
  }
}

resource "aws_cloudwatch_event_bus" "app" {
  name = "${local.name}-events"
  tags = {
    Name = "${local.name}-event-bus"
  }
}

resource "aws_cloudwatch_event_archive" "app" {
  name             = "${local.name}-events"
  event_source_arn = aws_cloudwatch_event_bus.app.arn
  retention_days   = 30
}

resource "aws_cloudwatch_event_rule" "app_events" {
  name           = "${local.name}-app-events"
  event_bus_name = aws_cloudwatch_event_bus.app.name
  event_pattern = jsonencode({
    source = [
      {
        prefix = var.project
      },
    ]
  })
  tags = {
    Name = "${local.name}-app-events"
  }
}

resource "aws_cloudwatch_log_group" "event_bus" {
  name              = "/aws/events/${local.name}-app-events"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_resource_policy" "event_bus" {
  policy_name = "${local.name}-event-bus-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          Service = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
        }
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.event_bus.arn}:*"
      },
    ]
  })
}

resource "aws_cloudwatch_event_target" "app_events" {
  rule           = aws_cloudwatch_event_rule.app_events.name
  event_bus_name = aws_cloudwatch_event_bus.app.name
  arn            = aws_cloudwatch_log_group.event_bus.arn
}
