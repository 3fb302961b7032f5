resource "aws_vpc" "app_0" {
  cidr_block           = "10.0.0.0/16"
  instance_tenancy     = "default"
  enable_dns_support   = true
  enable_dns_hostnames = false
  tags = {
    Name    = "app-0"
    project = "shop"
  }
}

resource "aws_vpc" "app_2" {
  cidr_block           = "10.2.0.0/16"
  instance_tenancy     = "default"
  enable_dns_support   = true
  enable_dns_hostnames = false
  tags = {
    Name    = "app-2"
    project = "shop"
  }
}

resource "aws_subnet" "app_0_private" {
  vpc_id                  = aws_vpc.app_0.id
  cidr_block              = "10.0.2.0/24"
  availability_zone       = "eu-west-1b"
  map_public_ip_on_launch = false
  tags = {
    Name    = "app-0-private"
    project = "shop"
  }
}

resource "aws_subnet" "app_0_public" {
  vpc_id                  = aws_vpc.app_0.id
  cidr_block              = "10.0.1.0/24"
  availability_zone       = "eu-west-1a"
  map_public_ip_on_launch = false
  tags = {
    Name    = "app-0-public"
    project = "shop"
  }
}

resource "aws_subnet" "app_2_private" {
  vpc_id                  = aws_vpc.app_2.id
  cidr_block              = "10.2.2.0/24"
  availability_zone       = "eu-west-1b"
  map_public_ip_on_launch = false
  tags = {
    Name    = "app-2-private"
    project = "shop"
  }
}

resource "aws_subnet" "app_2_public" {
  vpc_id                  = aws_vpc.app_2.id
  cidr_block              = "10.2.1.0/24"
  availability_zone       = "eu-west-1a"
  map_public_ip_on_launch = false
  tags = {
    Name    = "app-2-public"
    project = "shop"
  }
}

resource "aws_internet_gateway" "app_0" {
  vpc_id = aws_vpc.app_0.id
  tags = {
    project = "shop"
  }
}

resource "aws_internet_gateway" "app_2" {
  vpc_id = aws_vpc.app_2.id
  tags = {
    project = "shop"
  }
}

resource "aws_nat_gateway" "app_0_public" {
  # not recorded by an import, so ignored rather than reset to a default: connectivity_type
  subnet_id     = aws_subnet.app_0_public.id
  allocation_id = "eipalloc-c8d1ac7882997a246"
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [connectivity_type]
  }
}

resource "aws_nat_gateway" "app_2_public" {
  # not recorded by an import, so ignored rather than reset to a default: connectivity_type
  subnet_id     = aws_subnet.app_2_public.id
  allocation_id = "eipalloc-9c5cdaf5ec0aa4a5d"
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [connectivity_type]
  }
}

resource "aws_route_table" "app_0_public" {
  vpc_id = aws_vpc.app_0.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.app_0.id
  }
  tags = {
    Name    = "app-0-public"
    project = "shop"
  }
}

resource "aws_route_table" "app_2_public" {
  vpc_id = aws_vpc.app_2.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.app_2.id
  }
  tags = {
    Name    = "app-2-public"
    project = "shop"
  }
}

resource "aws_default_route_table" "app_0" {
  default_route_table_id = aws_vpc.app_0.default_route_table_id
  tags = {
    project = "shop"
  }
}

resource "aws_default_route_table" "app_2" {
  default_route_table_id = aws_vpc.app_2.default_route_table_id
  tags = {
    project = "shop"
  }
}

resource "aws_route_table_association" "app_0_public" {
  subnet_id      = aws_subnet.app_0_public.id
  route_table_id = aws_route_table.app_0_public.id
}

resource "aws_route_table_association" "app_2_public" {
  subnet_id      = aws_subnet.app_2_public.id
  route_table_id = aws_route_table.app_2_public.id
}
