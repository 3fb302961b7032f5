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

output "database_endpoint" {
  description = "Hostname of the database."
  value       = aws_db_instance.main.address
}

output "database_secret_arn" {
  description = "Secrets Manager secret holding the database credentials."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "eks_cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.main.name
}

output "eks_cluster_endpoint" {
  description = "Private API endpoint of the cluster."
  value       = aws_eks_cluster.main.endpoint
}
