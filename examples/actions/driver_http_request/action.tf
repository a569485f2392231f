# Purge the CDN's cache for the site whenever its page changes.
action "driver_http_request" "purge" {
  config {
    method = "POST"
    path   = "/v1/purges"
    body   = { paths = ["/index.html"] }
  }
}

resource "driver_http_object" "page" {
  path = "/pages"
  body = { title = "home" }

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.driver_http_request.purge]
    }
  }
}
