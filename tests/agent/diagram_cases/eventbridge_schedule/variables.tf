variable "alert_emails" {
  description = "E-mail addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "az_count" {
  description = "How many availability zones the VPC spans."
  type        = number
  default     = 2
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "batch_job_image" {
  description = "Container image of the batch job."
  type        = string
  default     = "public.ecr.aws/docker/library/python:3.12-slim"
}

variable "batch_max_vcpus" {
  description = "Most vCPUs the batch environment may use at once."
  type        = number
  default     = 16
}

variable "environment" {
  description = "Environment name (prod, staging, dev)."
  type        = string
  default     = "prod"
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps logs, in days."
  type        = number
  default     = 365
}

variable "project" {
  description = "Project name: prefixes resource names and fills the Project tag."
  type        = string
  default     = "app"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as ap-northeast-2."
  }
}

variable "schedule_expression" {
  description = "When the scheduled job runs (rate() or cron(), UTC)."
  type        = string
  default     = "cron(0 18 * * ? *)"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR block, such as 10.0.0.0/16."
  }
}
