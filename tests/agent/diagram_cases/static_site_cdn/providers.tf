provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "autcloud"
    }
  }
}

provider "aws" {
  # CloudFront reads certificates and web ACLs from us-east-1 only.
  alias  = "us_east_1"
  region = "us-east-1"
  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "autcloud"
    }
  }
}
