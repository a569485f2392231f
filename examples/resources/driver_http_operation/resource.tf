# Turn a feature on for a project another resource manages, and off again
# when this resource is destroyed.
resource "driver_http_operation" "beta" {
  method = "PUT"
  path   = "/projects/42/features/beta"
  body   = { enabled = true }

  delete {
    method = "PUT"
    path   = "/projects/42/features/beta"
    body   = { enabled = false }
  }
}
