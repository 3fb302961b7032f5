resource "aws_s3_bucket" "shop_assets_0" {
  bucket = "shop-assets-0"
  tags = {
    project = "shop"
  }
}

resource "aws_s3_bucket" "shop_assets_2" {
  bucket = "shop-assets-2"
  tags = {
    project = "shop"
  }
}
