terraform {
  required_providers {
    driver = {
      source = "registry.terraform.io/tfdriver/driver"
    }
  }
}

provider "driver" {
  endpoint = "http://127.0.0.1:8080"

  retry {
    max_attempts = 3
  }
}
