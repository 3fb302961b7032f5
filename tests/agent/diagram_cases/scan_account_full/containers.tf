resource "aws_ecs_cluster" "apps_0" {
  name = "apps-0"
  setting {
    name  = "containerInsights"
    value = "disabled"
  }
  tags = {
    project = "shop"
  }
}

resource "aws_ecs_cluster" "apps_2" {
  name = "apps-2"
  setting {
    name  = "containerInsights"
    value = "disabled"
  }
  tags = {
    project = "shop"
  }
}

resource "aws_ecs_service" "api_0" {
  # not recorded by an import, so ignored rather than reset to a default: wait_for_steady_state, deployment_maximum_percent, deployment_minimum_healthy_percent, availability_zone_rebalancing
  name            = "api-0"
  cluster         = aws_ecs_cluster.apps_0.id
  task_definition = "api-0:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = [aws_subnet.app_0_public.id, aws_subnet.app_0_private.id]
    security_groups  = [aws_security_group.web_0.id]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.web_0.arn
    container_name   = "api"
    container_port   = 80
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      wait_for_steady_state,
      deployment_maximum_percent,
      deployment_minimum_healthy_percent,
      availability_zone_rebalancing,
    ]
  }
}

resource "aws_ecs_service" "api_2" {
  # not recorded by an import, so ignored rather than reset to a default: wait_for_steady_state, deployment_maximum_percent, deployment_minimum_healthy_percent, availability_zone_rebalancing
  name            = "api-2"
  cluster         = aws_ecs_cluster.apps_2.id
  task_definition = "api-2:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = [aws_subnet.app_2_public.id, aws_subnet.app_2_private.id]
    security_groups  = [aws_security_group.web_2.id]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.web_2.arn
    container_name   = "api"
    container_port   = 80
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      wait_for_steady_state,
      deployment_maximum_percent,
      deployment_minimum_healthy_percent,
      availability_zone_rebalancing,
    ]
  }
}

resource "aws_eks_cluster" "k8s_0" {
  # not recorded by an import, so ignored rather than reset to a default: bootstrap_self_managed_addons, vpc_config[0].endpoint_private_access, vpc_config[0].endpoint_public_access
  name     = "k8s-0"
  role_arn = "arn:aws:iam::123456789012:role/seed-role"
  version  = "1.29"
  vpc_config {
    subnet_ids         = [aws_subnet.app_0_public.id, aws_subnet.app_0_private.id]
    security_group_ids = [aws_security_group.web_0.id]
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      bootstrap_self_managed_addons,
      vpc_config[0].endpoint_private_access,
      vpc_config[0].endpoint_public_access,
    ]
  }
}

resource "aws_eks_cluster" "k8s_2" {
  # not recorded by an import, so ignored rather than reset to a default: bootstrap_self_managed_addons, vpc_config[0].endpoint_private_access, vpc_config[0].endpoint_public_access
  name     = "k8s-2"
  role_arn = "arn:aws:iam::123456789012:role/seed-role"
  version  = "1.29"
  vpc_config {
    subnet_ids         = [aws_subnet.app_2_public.id, aws_subnet.app_2_private.id]
    security_group_ids = [aws_security_group.web_2.id]
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      bootstrap_self_managed_addons,
      vpc_config[0].endpoint_private_access,
      vpc_config[0].endpoint_public_access,
    ]
  }
}
