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

variable "create_dns_zone" {
  description = "Create the domain's Route 53 hosted zone here. false: use the zone already in this account (Route 53 makes one when a domain is registered there). true: apply -target=aws_route53_zone.main first, point the registrar at the name_servers output, then apply the rest (certificates validate only once the domain is delegated)."
  type        = bool
  default     = false
}

variable "desired_count" {
  description = "Tasks to run normally."
  type        = number
  default     = 2
}

variable "dns_zone_name" {
  description = "The Route 53 hosted zone the domain's records go into: the domain itself or a parent."
  type        = string
  default     = "example.com"
}

variable "domain_name" {
  description = "The domain the application is served on."
  type        = string
  default     = "api.example.com"
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

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR block, such as 10.0.0.0/16."
  }
}
