terraform {
  required_providers {
    driver = {
      # Fully qualified, so Terraform and OpenTofu resolve the same provider.
      source = "registry.terraform.io/tfdriver/driver"
    }
  }
}

provider "driver" {
  endpoint        = "https://api.example.com/v1"
  request_timeout = "30s"

  headers = {
    "X-Team" = "platform"
  }

  auth {
    bearer_token = var.api_token
  }

  rate_limit {
    requests_per_second = 20
    burst               = 5
    adaptive            = true
  }

  retry {
    max_attempts = 5
    min_backoff  = "200ms"
    max_backoff  = "30s"
  }

  circuit_breaker {
    failure_threshold = 10
    open_for          = "30s"
  }

  audit_log = "driver-audit.jsonl"
}

variable "api_token" {
  type      = string
  sensitive = true
}
