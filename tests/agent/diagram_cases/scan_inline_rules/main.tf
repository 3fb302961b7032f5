# A scan-style export (hand-written): literal IDs and zones, inline security group rules,
# an API Gateway REST API in front of Lambda, SNS fanning out to SQS and Lambda.
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "prod" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "app_a" {
  vpc_id            = aws_vpc.prod.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "app_b" {
  vpc_id            = aws_vpc.prod.id
  cidr_block        = "10.20.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "web" {
  vpc_id = aws_vpc.prod.id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "db" {
  vpc_id = aws_vpc.prod.id
  ingress {
    protocol        = "tcp"
    from_port       = 3306
    to_port         = 3306
    security_groups = [aws_security_group.web.id]
  }
}

resource "aws_instance" "web_a" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.small"
  subnet_id              = aws_subnet.app_a.id
  vpc_security_group_ids = [aws_security_group.web.id]
}

resource "aws_instance" "web_b" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.small"
  subnet_id              = aws_subnet.app_b.id
  vpc_security_group_ids = [aws_security_group.web.id]
}

resource "aws_db_subnet_group" "db" {
  subnet_ids = [aws_subnet.app_a.id, aws_subnet.app_b.id]
}

resource "aws_db_instance" "shop" {
  engine                 = "mysql"
  instance_class         = "db.t3.medium"
  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]
}

resource "aws_db_instance" "shop_replica" {
  engine              = "mysql"
  instance_class      = "db.t3.medium"
  replicate_source_db = aws_db_instance.shop.identifier
}

resource "aws_api_gateway_rest_api" "orders" {
  name = "orders"
}

resource "aws_lambda_function" "orders" {
  function_name = "orders"
  runtime       = "nodejs20.x"
  role          = aws_iam_role.orders.arn
}

resource "aws_iam_role" "orders" {
  name = "orders"
}

resource "aws_api_gateway_integration" "orders" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  resource_id = "abc123"
  http_method = "POST"
  type        = "AWS_PROXY"
  uri         = aws_lambda_function.orders.invoke_arn
}

resource "aws_sns_topic" "orders" {
  name = "orders"
}

resource "aws_sqs_queue" "billing" {
  name = "billing"
}

resource "aws_sns_topic_subscription" "billing" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.billing.arn
}

resource "aws_sns_topic_subscription" "audit" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.orders.arn
}

resource "aws_lambda_permission" "sns" {
  function_name = aws_lambda_function.orders.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.orders.arn
}
