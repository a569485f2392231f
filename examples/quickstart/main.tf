terraform {
  required_providers {
    driver = {
      source = "registry.terraform.io/tfdriver/driver"
    }
  }
}

# The endpoint comes from DRIVER_ENDPOINT (quickstart.sh points it at the
# demo API it starts).
provider "driver" {
  retry {
    max_attempts = 3
  }
}

# A feature flag in the demo API's /flags collection.
resource "driver_http_object" "flag" {
  path = "/flags"
  body = {
    name    = "checkout-v2"
    enabled = true
    rollout = {
      percent = 10
      regions = ["eu", "us"]
    }
  }
}

output "flag_id" {
  value = driver_http_object.flag.id
}

output "created_at" {
  # Fields the server adds are in `response`, and are not drift.
  value = driver_http_object.flag.response.created_at
}
