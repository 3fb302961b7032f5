resource "aws_lb" "web_0" {
  # not recorded by an import, so ignored rather than reset to a default: idle_timeout, client_keep_alive, desync_mitigation_mode, drop_invalid_header_fields, preserve_host_header, enable_tls_version_and_cipher_suite_headers, enable_xff_client_port, xff_header_processing_mode, enable_http2, enable_waf_fail_open, enable_zonal_shift
  name                       = "web-0"
  load_balancer_type         = "application"
  internal                   = false
  ip_address_type            = "ipv4"
  subnets                    = [aws_subnet.app_0_public.id, aws_subnet.app_0_private.id]
  security_groups            = [aws_security_group.web_0.id]
  enable_deletion_protection = false
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      idle_timeout,
      client_keep_alive,
      desync_mitigation_mode,
      drop_invalid_header_fields,
      preserve_host_header,
      enable_tls_version_and_cipher_suite_headers,
      enable_xff_client_port,
      xff_header_processing_mode,
      enable_http2,
      enable_waf_fail_open,
      enable_zonal_shift,
    ]
  }
}

resource "aws_lb" "web_2" {
  # not recorded by an import, so ignored rather than reset to a default: idle_timeout, client_keep_alive, desync_mitigation_mode, drop_invalid_header_fields, preserve_host_header, enable_tls_version_and_cipher_suite_headers, enable_xff_client_port, xff_header_processing_mode, enable_http2, enable_waf_fail_open, enable_zonal_shift
  name                       = "web-2"
  load_balancer_type         = "application"
  internal                   = false
  ip_address_type            = "ipv4"
  subnets                    = [aws_subnet.app_2_public.id, aws_subnet.app_2_private.id]
  security_groups            = [aws_security_group.web_2.id]
  enable_deletion_protection = false
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      idle_timeout,
      client_keep_alive,
      desync_mitigation_mode,
      drop_invalid_header_fields,
      preserve_host_header,
      enable_tls_version_and_cipher_suite_headers,
      enable_xff_client_port,
      xff_header_processing_mode,
      enable_http2,
      enable_waf_fail_open,
      enable_zonal_shift,
    ]
  }
}

resource "aws_lb_listener" "web_0_http_80" {
  load_balancer_arn = aws_lb.web_0.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web_0.arn
  }
}

resource "aws_lb_listener" "web_2_http_80" {
  load_balancer_arn = aws_lb.web_2.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web_2.arn
  }
}

resource "aws_lb_target_group" "web_0" {
  # not recorded by an import, so ignored rather than reset to a default: lambda_multi_value_headers_enabled, proxy_protocol_v2
  name                 = "web-0"
  target_type          = "instance"
  port                 = 80
  protocol             = "HTTP"
  vpc_id               = aws_vpc.app_0.id
  deregistration_delay = "300"
  slow_start           = 0
  health_check {
    enabled             = true
    path                = "/health"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 5
    unhealthy_threshold = 2
    matcher             = "200"
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [lambda_multi_value_headers_enabled, proxy_protocol_v2]
  }
}

resource "aws_lb_target_group" "web_2" {
  # not recorded by an import, so ignored rather than reset to a default: lambda_multi_value_headers_enabled, proxy_protocol_v2
  name                 = "web-2"
  target_type          = "instance"
  port                 = 80
  protocol             = "HTTP"
  vpc_id               = aws_vpc.app_2.id
  deregistration_delay = "300"
  slow_start           = 0
  health_check {
    enabled             = true
    path                = "/health"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 5
    unhealthy_threshold = 2
    matcher             = "200"
  }
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [lambda_multi_value_headers_enabled, proxy_protocol_v2]
  }
}
