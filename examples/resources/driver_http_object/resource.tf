# A feature flag in a REST collection. Only the fields written in `body` are
# managed; fields the API adds (ids, timestamps) are not drift.
resource "driver_http_object" "flag" {
  path = "/flags"
  body = {
    name    = "checkout-v2"
    enabled = true
    rollout = {
      percent = 10
      regions = ["eu", "us"]
    }
    rules = [
      { id = "beta-users", allow = true },
      { id = "staff", allow = true },
    ]
  }

  # Renaming the flag creates a new one instead of updating it.
  force_new = ["/name"]

  # Send only what changed, as a JSON merge patch.
  update_method = "PATCH"

  drift {
    mode      = "revert"
    ignore    = ["/rollout/percent"] # changed by a rollout tool; never compared
    unordered = { "/rules" = "id" }  # the API returns rules in any order
  }

  timeouts {
    create = "2m"
    delete = "2m"
  }
}

output "flag_created_at" {
  value = driver_http_object.flag.response.created_at
}

# Many objects of one collection: refreshed from one paginated listing per
# plan (10 requests for 1,000 objects at 100 a page) instead of one read
# each, and never created twice after an interrupted apply.
resource "driver_http_object" "team" {
  for_each = toset(["payments", "search", "checkout"])

  path           = "/teams"
  body           = { name = each.key, tier = "standard" }
  natural_key    = ["/name"]
  adopt_existing = true

  list {
    refresh_from_listing = "full"
    pagination {
      size_param = "per_page"
      size       = 100
    }
  }
}
