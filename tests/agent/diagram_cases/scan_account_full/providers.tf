provider "aws" {
  # The scanned region. Credentials come from the environment.
  region = "eu-west-1"
}
