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

output "event_stream_name" {
  description = "Name of the Kinesis stream."
  value       = aws_kinesis_stream.events.name
}

output "data_lake_bucket" {
  description = "Name of the data lake bucket."
  value       = aws_s3_bucket.data_lake.bucket
}

output "athena_results_bucket" {
  description = "Name of the athena results bucket."
  value       = aws_s3_bucket.athena_results.bucket
}

output "athena_workgroup" {
  description = "Athena workgroup for queries."
  value       = aws_athena_workgroup.analytics.name
}

output "glue_database" {
  description = "Glue catalog database of the lake."
  value       = aws_glue_catalog_database.lake.name
}

output "glue_crawler" {
  description = "Glue crawler of the lake."
  value       = aws_glue_crawler.lake.name
}
