variable "alert_emails" {
  description = "E-mail addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "environment" {
  description = "Environment name (prod, staging, dev)."
  type        = string
  default     = "prod"
}

variable "lambda_package_key" {
  description = "S3 key of the function code package in the artifacts bucket."
  type        = string
  default     = "lambda/app.zip"
}

variable "lambda_runtime" {
  description = "Runtime of the Lambda functions."
  type        = string
  default     = "python3.12"
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
