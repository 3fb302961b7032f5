resource "aws_sqs_queue" "orders_0" {
  # redrive_policy is as live, but AWS answered it in a form the provider normalises on apply: left as it is
  # max_message_size 1048576 is above what the AWS provider 5.x accepts (262144): left unmanaged
  name                       = "orders-0"
  delay_seconds              = 0
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 0
  visibility_timeout_seconds = 60
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_0_dlq.arn
    maxReceiveCount     = 5
  })
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [redrive_policy, max_message_size]
  }
}

resource "aws_sqs_queue" "orders_0_dlq" {
  # max_message_size 1048576 is above what the AWS provider 5.x accepts (262144): left unmanaged
  name                       = "orders-0-dlq"
  delay_seconds              = 0
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 0
  visibility_timeout_seconds = 30
  sqs_managed_sse_enabled    = true
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [max_message_size]
  }
}

resource "aws_sqs_queue" "orders_2" {
  # redrive_policy is as live, but AWS answered it in a form the provider normalises on apply: left as it is
  # max_message_size 1048576 is above what the AWS provider 5.x accepts (262144): left unmanaged
  name                       = "orders-2"
  delay_seconds              = 0
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 0
  visibility_timeout_seconds = 60
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_2_dlq.arn
    maxReceiveCount     = 5
  })
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [redrive_policy, max_message_size]
  }
}

resource "aws_sqs_queue" "orders_2_dlq" {
  # max_message_size 1048576 is above what the AWS provider 5.x accepts (262144): left unmanaged
  name                       = "orders-2-dlq"
  delay_seconds              = 0
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 0
  visibility_timeout_seconds = 30
  sqs_managed_sse_enabled    = true
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [max_message_size]
  }
}

resource "aws_sns_topic" "events_0" {
  name = "events-0"
  tags = {
    project = "shop"
  }
}

resource "aws_sns_topic" "events_2" {
  name = "events-2"
  tags = {
    project = "shop"
  }
}

resource "aws_sns_topic_subscription" "events_0_to_orders_0" {
  # not recorded by an import, so ignored rather than reset to a default: confirmation_timeout_in_minutes, endpoint_auto_confirms
  topic_arn = aws_sns_topic.events_0.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders_0.arn
  lifecycle {
    ignore_changes = [confirmation_timeout_in_minutes, endpoint_auto_confirms]
  }
}

resource "aws_sns_topic_subscription" "events_2_to_orders_2" {
  # not recorded by an import, so ignored rather than reset to a default: confirmation_timeout_in_minutes, endpoint_auto_confirms
  topic_arn = aws_sns_topic.events_2.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders_2.arn
  lifecycle {
    ignore_changes = [confirmation_timeout_in_minutes, endpoint_auto_confirms]
  }
}
