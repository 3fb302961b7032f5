output "alerts_topic_arn" {
  description = "SNS topic that receives alarms."
  value       = aws_sns_topic.alerts.arn
}

output "trail_bucket" {
  description = "Name of the trail bucket."
  value       = aws_s3_bucket.trail.bucket
}

output "access_logs_bucket" {
  description = "Name of the access logs bucket."
  value       = aws_s3_bucket.access_logs.bucket
}

output "assets_bucket" {
  description = "Name of the assets bucket."
  value       = aws_s3_bucket.assets.bucket
}

output "jobs_queue_url" {
  description = "URL of the work queue."
  value       = aws_sqs_queue.jobs.url
}

output "artifacts_bucket" {
  description = "Name of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.bucket
}
