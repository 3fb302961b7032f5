resource "aws_cloudfront_distribution" "assets_0" {
  enabled         = true
  comment         = "assets-0"
  price_class     = "PriceClass_All"
  http_version    = "http2"
  is_ipv6_enabled = true
  origin {
    domain_name = aws_s3_bucket.shop_assets_0.bucket_regional_domain_name
    origin_id   = "assets"
  }
  default_cache_behavior {
    target_origin_id       = "assets"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
    min_ttl     = 0
    default_ttl = 0
    max_ttl     = 0
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
    ssl_support_method             = "sni-only"
    minimum_protocol_version       = "TLSv1"
  }
  tags = {
    project = "shop"
  }
}

resource "aws_cloudfront_distribution" "assets_2" {
  enabled         = true
  comment         = "assets-2"
  price_class     = "PriceClass_All"
  http_version    = "http2"
  is_ipv6_enabled = true
  origin {
    domain_name = aws_s3_bucket.shop_assets_2.bucket_regional_domain_name
    origin_id   = "assets"
  }
  default_cache_behavior {
    target_origin_id       = "assets"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
    min_ttl     = 0
    default_ttl = 0
    max_ttl     = 0
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
    ssl_support_method             = "sni-only"
    minimum_protocol_version       = "TLSv1"
  }
  tags = {
    project = "shop"
  }
}
