resource "aws_security_group" "db_0" {
  name        = "db-0"
  description = "database tier"
  vpc_id      = aws_vpc.app_0.id
  tags = {
    project = "shop"
  }
}

resource "aws_security_group" "db_2" {
  name        = "db-2"
  description = "database tier"
  vpc_id      = aws_vpc.app_2.id
  tags = {
    project = "shop"
  }
}

resource "aws_security_group" "web_0" {
  name        = "web-0"
  description = "web tier"
  vpc_id      = aws_vpc.app_0.id
  tags = {
    project = "shop"
  }
}

resource "aws_security_group" "web_2" {
  name        = "web-2"
  description = "web tier"
  vpc_id      = aws_vpc.app_2.id
  tags = {
    project = "shop"
  }
}

resource "aws_vpc_security_group_ingress_rule" "db_0_ingress_tcp_5432_from_web_0" {
  security_group_id            = aws_security_group.db_0.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.web_0.id
}

resource "aws_vpc_security_group_ingress_rule" "db_2_ingress_tcp_5432_from_web_2" {
  security_group_id            = aws_security_group.db_2.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.web_2.id
}

resource "aws_vpc_security_group_ingress_rule" "web_0_ingress_tcp_443_from_anywhere" {
  security_group_id = aws_security_group.web_0.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "web_2_ingress_tcp_443_from_anywhere" {
  security_group_id = aws_security_group.web_2.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "db_0_egress_all_to_anywhere" {
  security_group_id = aws_security_group.db_0.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "db_2_egress_all_to_anywhere" {
  security_group_id = aws_security_group.db_2.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "web_0_egress_all_to_anywhere" {
  security_group_id = aws_security_group.web_0.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "web_2_egress_all_to_anywhere" {
  security_group_id = aws_security_group.web_2.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
