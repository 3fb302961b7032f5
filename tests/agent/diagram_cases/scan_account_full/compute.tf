resource "aws_instance" "bastion_0" {
  # user data is not exported (it may hold secrets)
  ami                    = "ami-03cf127a"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.app_0_public.id
  vpc_security_group_ids = [aws_security_group.web_0.id]
  ebs_optimized          = false
  metadata_options {
    http_tokens = "optional"
  }
  tags = {
    Name    = "bastion-0"
    project = "shop"
  }
  lifecycle {
    ignore_changes = [user_data, user_data_base64]
  }
}

resource "aws_instance" "bastion_2" {
  # user data is not exported (it may hold secrets)
  ami                    = "ami-03cf127a"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.app_2_public.id
  vpc_security_group_ids = [aws_security_group.web_2.id]
  ebs_optimized          = false
  metadata_options {
    http_tokens = "optional"
  }
  tags = {
    Name    = "bastion-2"
    project = "shop"
  }
  lifecycle {
    ignore_changes = [user_data, user_data_base64]
  }
}

resource "aws_autoscaling_group" "web_0" {
  # not recorded by an import, so ignored rather than reset to a default: force_delete, force_delete_warm_pool, ignore_failed_scaling_activities, wait_for_capacity_timeout, capacity_reservation_specification
  name                      = "web-0"
  min_size                  = 1
  max_size                  = 2
  desired_capacity          = 1
  vpc_zone_identifier       = [aws_subnet.app_0_public.id, aws_subnet.app_0_private.id]
  health_check_type         = "EC2"
  health_check_grace_period = 300
  target_group_arns         = [aws_lb_target_group.web_0.arn]
  launch_template {
    id      = "lt-a86a0308aa3e28172"
    version = "$Latest"
  }
  tag {
    key                 = "project"
    value               = "shop"
    propagate_at_launch = true
  }
  lifecycle {
    ignore_changes = [
      force_delete,
      force_delete_warm_pool,
      ignore_failed_scaling_activities,
      wait_for_capacity_timeout,
      capacity_reservation_specification,
    ]
  }
}

resource "aws_autoscaling_group" "web_2" {
  # not recorded by an import, so ignored rather than reset to a default: force_delete, force_delete_warm_pool, ignore_failed_scaling_activities, wait_for_capacity_timeout, capacity_reservation_specification
  name                      = "web-2"
  min_size                  = 1
  max_size                  = 2
  desired_capacity          = 1
  vpc_zone_identifier       = [aws_subnet.app_2_public.id, aws_subnet.app_2_private.id]
  health_check_type         = "EC2"
  health_check_grace_period = 300
  target_group_arns         = [aws_lb_target_group.web_2.arn]
  launch_template {
    id      = "lt-309a290d6ca935a54"
    version = "$Latest"
  }
  tag {
    key                 = "project"
    value               = "shop"
    propagate_at_launch = true
  }
  lifecycle {
    ignore_changes = [
      force_delete,
      force_delete_warm_pool,
      ignore_failed_scaling_activities,
      wait_for_capacity_timeout,
      capacity_reservation_specification,
    ]
  }
}

resource "aws_lambda_function" "resize_0" {
  # code is not exported: the deployed package stays in place
  # environment variables are not exported (they may hold secrets)
  function_name = "resize-0"
  role          = "arn:aws:iam::123456789012:role/seed-role"
  package_type  = "Zip"
  handler       = "index.handler"
  runtime       = "python3.12"
  memory_size   = 128
  timeout       = 3
  architectures = ["x86_64"]
  filename      = "lambda/resize-0.zip"
  vpc_config {
    subnet_ids         = [aws_subnet.app_0_public.id, aws_subnet.app_0_private.id]
    security_group_ids = [aws_security_group.web_0.id]
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [environment, filename, source_code_hash]
  }
}

resource "aws_lambda_function" "resize_2" {
  # code is not exported: the deployed package stays in place
  # environment variables are not exported (they may hold secrets)
  function_name = "resize-2"
  role          = "arn:aws:iam::123456789012:role/seed-role"
  package_type  = "Zip"
  handler       = "index.handler"
  runtime       = "python3.12"
  memory_size   = 128
  timeout       = 3
  architectures = ["x86_64"]
  filename      = "lambda/resize-2.zip"
  vpc_config {
    subnet_ids         = [aws_subnet.app_2_public.id, aws_subnet.app_2_private.id]
    security_group_ids = [aws_security_group.web_2.id]
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [environment, filename, source_code_hash]
  }
}
