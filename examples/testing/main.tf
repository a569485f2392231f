# A module that manages one feature flag, with tests in tests/ that
# `terraform test` (Terraform 1.6+, OpenTofu 1.6+) runs against a real API:
# each `run` applies for real, checks its assertions, and everything is
# destroyed at the end.
terraform {
  required_providers {
    driver = {
      source = "registry.terraform.io/tfdriver/driver"
    }
  }
}

variable "endpoint" {
  type        = string
  description = "Base URL of the API (a test instance, not production)."
}

variable "flag_name" {
  type    = string
  default = "checkout-v2"
}

variable "rollout_percent" {
  type    = number
  default = 10

  validation {
    condition     = var.rollout_percent >= 0 && var.rollout_percent <= 100
    error_message = "The rollout is a percentage: 0 to 100."
  }
}

provider "driver" {
  endpoint = var.endpoint
}

resource "driver_http_object" "flag" {
  path = "/flags"
  body = {
    name    = var.flag_name
    enabled = var.rollout_percent > 0
    rollout = {
      percent = var.rollout_percent
    }
  }
}

output "flag_id" {
  value = driver_http_object.flag.id
}
