output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.main.id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private (application) subnets."
  value       = aws_subnet.private[*].id
}

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

output "batch_job_queue" {
  description = "Name of the Batch job queue."
  value       = aws_batch_job_queue.main.name
}

output "event_bus_name" {
  description = "Name of the custom event bus."
  value       = aws_cloudwatch_event_bus.app.name
}
