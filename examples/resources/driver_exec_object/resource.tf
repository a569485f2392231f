# A DNS record managed through a CLI. Each command gets `input` as JSON on
# stdin and prints the record as JSON on stdout; DRIVER_ID, DRIVER_OUTPUT
# and DRIVER_PRIOR_INPUT carry the prior state.
resource "driver_exec_object" "record" {
  create = ["./dnsctl", "create", "--json"]
  read   = ["./dnsctl", "get", "--json"]
  update = ["./dnsctl", "update", "--json"]
  delete = ["./dnsctl", "delete"]

  input = {
    name = "api.example.com"
    type = "A"
    ttl  = 300
    ips  = ["10.0.0.1", "10.0.0.2"]
  }

  working_dir = path.module
  env = {
    DNS_ZONE = "example.com"
  }

  # Secrets: masked in every message, never stored in state (Terraform 1.11+).
  sensitive_env = {
    DNS_TOKEN = var.dns_token
  }

  retry_on_exit_codes = [75] # EX_TEMPFAIL: try again with backoff
  gone_exit_codes     = [44] # `get` exits 44 when the record does not exist
  force_new           = ["/name", "/type"]

  drift {
    unordered = { "/ips" = "" }
  }

  timeouts {
    create = "2m"
  }
}

variable "dns_token" {
  type      = string
  sensitive = true
}

# Output fields keep their types: numbers stay numbers.
output "ttl_minutes" {
  value = driver_exec_object.record.output.ttl / 60
}
