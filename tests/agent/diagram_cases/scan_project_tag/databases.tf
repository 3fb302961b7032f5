resource "aws_db_instance" "orders_0" {
  # the master password is not exported
  # skip_final_snapshot = true is what an import records; to keep a final snapshot on destroy, set false and final_snapshot_identifier (changes the state only)
  # not recorded by an import, so ignored rather than reset to a default: apply_immediately, performance_insights_enabled
  identifier                          = "orders-0"
  engine                              = "postgres"
  engine_version                      = "9.3.3"
  instance_class                      = "db.t3.micro"
  allocated_storage                   = 20
  storage_type                        = "gp2"
  storage_encrypted                   = false
  username                            = "app"
  db_subnet_group_name                = "db-0"
  vpc_security_group_ids              = [aws_security_group.db_0.id]
  multi_az                            = false
  backup_retention_period             = 1
  deletion_protection                 = false
  iam_database_authentication_enabled = false
  auto_minor_version_upgrade          = true
  copy_tags_to_snapshot               = false
  monitoring_interval                 = 0
  skip_final_snapshot                 = true
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [password, apply_immediately, performance_insights_enabled]
  }
}

resource "aws_db_instance" "orders_2" {
  # the master password is not exported
  # skip_final_snapshot = true is what an import records; to keep a final snapshot on destroy, set false and final_snapshot_identifier (changes the state only)
  # not recorded by an import, so ignored rather than reset to a default: apply_immediately, performance_insights_enabled
  identifier                          = "orders-2"
  engine                              = "postgres"
  engine_version                      = "9.3.3"
  instance_class                      = "db.t3.micro"
  allocated_storage                   = 20
  storage_type                        = "gp2"
  storage_encrypted                   = false
  username                            = "app"
  db_subnet_group_name                = "db-2"
  vpc_security_group_ids              = [aws_security_group.db_2.id]
  multi_az                            = false
  backup_retention_period             = 1
  deletion_protection                 = false
  iam_database_authentication_enabled = false
  auto_minor_version_upgrade          = true
  copy_tags_to_snapshot               = false
  monitoring_interval                 = 0
  skip_final_snapshot                 = true
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [password, apply_immediately, performance_insights_enabled]
  }
}

resource "aws_rds_cluster" "catalog_0" {
  # the master password is not exported
  # skip_final_snapshot = true is what an import records; to keep a final snapshot on destroy, set false and final_snapshot_identifier (changes the state only)
  # not recorded by an import, so ignored rather than reset to a default: scaling_configuration, enable_global_write_forwarding, enable_local_write_forwarding
  cluster_identifier                  = "catalog-0"
  engine                              = "aurora-postgresql"
  engine_version                      = "12.7"
  engine_mode                         = "provisioned"
  master_username                     = "app"
  manage_master_user_password         = true
  db_subnet_group_name                = "db-0"
  vpc_security_group_ids              = [aws_security_group.db_0.id]
  storage_encrypted                   = false
  backup_retention_period             = 1
  deletion_protection                 = false
  iam_database_authentication_enabled = false
  enable_global_write_forwarding      = false
  copy_tags_to_snapshot               = false
  skip_final_snapshot                 = true
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      manage_master_user_password,
      scaling_configuration,
      enable_global_write_forwarding,
      enable_local_write_forwarding,
    ]
  }
}

resource "aws_rds_cluster" "catalog_2" {
  # the master password is not exported
  # skip_final_snapshot = true is what an import records; to keep a final snapshot on destroy, set false and final_snapshot_identifier (changes the state only)
  # not recorded by an import, so ignored rather than reset to a default: scaling_configuration, enable_global_write_forwarding, enable_local_write_forwarding
  cluster_identifier                  = "catalog-2"
  engine                              = "aurora-postgresql"
  engine_version                      = "12.7"
  engine_mode                         = "provisioned"
  master_username                     = "app"
  manage_master_user_password         = true
  db_subnet_group_name                = "db-2"
  vpc_security_group_ids              = [aws_security_group.db_2.id]
  storage_encrypted                   = false
  backup_retention_period             = 1
  deletion_protection                 = false
  iam_database_authentication_enabled = false
  enable_global_write_forwarding      = false
  copy_tags_to_snapshot               = false
  skip_final_snapshot                 = true
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [
      manage_master_user_password,
      scaling_configuration,
      enable_global_write_forwarding,
      enable_local_write_forwarding,
    ]
  }
}

resource "aws_rds_cluster_instance" "catalog_0_1" {
  # not recorded by an import, so ignored rather than reset to a default: force_destroy, performance_insights_enabled
  identifier                 = "catalog-0-1"
  cluster_identifier         = aws_rds_cluster.catalog_0.id
  instance_class             = "db.r6g.large"
  engine                     = "aurora-postgresql"
  promotion_tier             = 1
  auto_minor_version_upgrade = true
  copy_tags_to_snapshot      = false
  monitoring_interval        = 0
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [force_destroy, performance_insights_enabled]
  }
}

resource "aws_rds_cluster_instance" "catalog_2_1" {
  # not recorded by an import, so ignored rather than reset to a default: force_destroy, performance_insights_enabled
  identifier                 = "catalog-2-1"
  cluster_identifier         = aws_rds_cluster.catalog_2.id
  instance_class             = "db.r6g.large"
  engine                     = "aurora-postgresql"
  promotion_tier             = 1
  auto_minor_version_upgrade = true
  copy_tags_to_snapshot      = false
  monitoring_interval        = 0
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [force_destroy, performance_insights_enabled]
  }
}

resource "aws_elasticache_cluster" "sessions_0" {
  # not recorded by an import, so ignored rather than reset to a default: auto_minor_version_upgrade
  cluster_id      = "sessions-0"
  engine          = "memcached"
  node_type       = "cache.t3.micro"
  num_cache_nodes = 1
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [auto_minor_version_upgrade]
  }
}

resource "aws_elasticache_cluster" "sessions_2" {
  # not recorded by an import, so ignored rather than reset to a default: auto_minor_version_upgrade
  cluster_id      = "sessions-2"
  engine          = "memcached"
  node_type       = "cache.t3.micro"
  num_cache_nodes = 1
  tags = {
    project = "shop"
  }
  lifecycle {
    ignore_changes = [auto_minor_version_upgrade]
  }
}

resource "aws_elasticache_replication_group" "cache_0" {
  replication_group_id       = "cache-0"
  description                = "redis"
  engine                     = "redis"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 1
  automatic_failover_enabled = false
  multi_az_enabled           = false
  at_rest_encryption_enabled = false
  transit_encryption_enabled = false
  tags = {
    project = "shop"
  }
}

resource "aws_elasticache_replication_group" "cache_2" {
  replication_group_id       = "cache-2"
  description                = "redis"
  engine                     = "redis"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 1
  automatic_failover_enabled = false
  multi_az_enabled           = false
  at_rest_encryption_enabled = false
  transit_encryption_enabled = false
  tags = {
    project = "shop"
  }
}

resource "aws_dynamodb_table" "carts_0" {
  name                        = "carts-0"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = false
  attribute {
    name = "pk"
    type = "S"
  }
  tags = {
    project = "shop"
  }
}

resource "aws_dynamodb_table" "carts_2" {
  name                        = "carts-2"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = false
  attribute {
    name = "pk"
    type = "S"
  }
  tags = {
    project = "shop"
  }
}
