output "alerts_topic_arn" {
  description = "SNS topic that receives alarms."
  value       = aws_sns_topic.alerts.arn
}

output "trail_bucket" {
  description = "Name of the trail bucket."
  value       = aws_s3_bucket.trail.bucket
}

output "dynamodb_table_name" {
  description = "Name of the DynamoDB table."
  value       = aws_dynamodb_table.main.name
}

output "access_logs_bucket" {
  description = "Name of the access logs bucket."
  value       = aws_s3_bucket.access_logs.bucket
}

output "artifacts_bucket" {
  description = "Name of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.bucket
}

output "api_endpoint" {
  description = "Invoke URL of the API."
  value       = aws_apigatewayv2_stage.default.invoke_url
}
