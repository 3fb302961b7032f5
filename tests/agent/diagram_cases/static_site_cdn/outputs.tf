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

output "site_bucket" {
  description = "Name of the site bucket."
  value       = aws_s3_bucket.site.bucket
}

output "cdn_domain_name" {
  description = "CloudFront domain name."
  value       = aws_cloudfront_distribution.main.domain_name
}
