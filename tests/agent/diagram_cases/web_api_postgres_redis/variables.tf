variable "alert_emails" {
  description = "E-mail addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "az_count" {
  description = "How many availability zones the VPC spans."
  type        = number
  default     = 3
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "cache_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "container_image" {
  description = "Container image the service runs. The default is a placeholder (nginx on port 80): set your own."
  type        = string
  default     = "public.ecr.aws/nginx/nginx:stable"
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 80
}

variable "database_name" {
  description = "Name of the application database."
  type        = string
  default     = "app"
}

variable "db_allocated_storage" {
  description = "Initial database storage in GiB."
  type        = number
  default     = 20
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "desired_count" {
  description = "Tasks to run normally."
  type        = number
  default     = 2
}

variable "environment" {
  description = "Environment name (prod, staging, dev)."
  type        = string
  default     = "prod"
}

variable "health_check_path" {
  description = "HTTP path the load balancer checks for health."
  type        = string
  default     = "/"
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps logs, in days."
  type        = number
  default     = 365
}

variable "max_capacity" {
  description = "Most tasks autoscaling may start."
  type        = number
  default     = 8
}

variable "min_capacity" {
  description = "Fewest tasks autoscaling keeps."
  type        = number
  default     = 2
}

variable "monthly_budget_usd" {
  description = "Monthly AWS cost budget in USD; alerts go out at 80% of actual and 100% of forecast spend."
  type        = number
  default     = 800
  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be positive."
  }
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
  default     = "ap-northeast-2"
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as ap-northeast-2."
  }
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
