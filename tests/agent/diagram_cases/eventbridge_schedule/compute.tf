# Compute: load balancing and the application's runtime.

resource "aws_iam_role" "batch_execution" {
  name = "${local.name}-batch-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = "sts:AssumeRole"
        Principal = {
          Service = "ecs-tasks.amazonaws.com"
        }
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "batch_execution" {
  role       = aws_iam_role.batch_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_batch_compute_environment" "fargate" {
  compute_environment_name_prefix = "${local.name}-"
  type                            = "MANAGED"
  compute_resources {
    type               = "FARGATE"
    max_vcpus          = var.batch_max_vcpus
    subnets            = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.batch.id]
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_batch_job_queue" "main" {
  name     = "${local.name}-jobs"
  state    = "ENABLED"
  priority = 1
  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.fargate.arn
  }
}

resource "aws_batch_job_definition" "main" {
  name                  = "${local.name}-job"
  type                  = "container"
  platform_capabilities = ["FARGATE"]
  retry_strategy {
    attempts = 3
  }
  container_properties = jsonencode({
    image            = var.batch_job_image
    executionRoleArn = aws_iam_role.batch_execution.arn
    resourceRequirements = [
      {
        type  = "VCPU"
        value = "1"
      },
      {
        type  = "MEMORY"
        value = "2048"
      },
    ]
    networkConfiguration = {
      assignPublicIp = "DISABLED"
    }
    readonlyRootFilesystem = true
    privileged             = false
    fargatePlatformConfiguration = {
      platformVersion = "LATEST"
    }
  })
}
