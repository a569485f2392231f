# A lease with a short-lived token, opened for this run only: renewed while
# the run lasts, revoked at the end. Never in plan or state.
ephemeral "driver_http_request" "lease" {
  method         = "POST"
  path           = "/v1/leases"
  body           = { ttl = "15m" }
  expiry_pointer = "/expires_in"

  renew {
    path = "/v1/leases/{response/lease_id}/renew"
  }

  close {
    path = "/v1/leases/{response/lease_id}"
  }
}

# The token goes into a write-only argument (Terraform 1.11+): sent to the
# API, never stored.
resource "driver_http_object" "deploy_hook" {
  path            = "/hooks"
  body            = { name = "deploy" }
  body_wo         = { secret = ephemeral.driver_http_request.lease.response.token }
  body_wo_version = "1"
}
