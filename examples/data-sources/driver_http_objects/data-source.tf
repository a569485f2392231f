# Every flag of the collection, however many pages.
data "driver_http_objects" "flags" {
  path  = "/flags"
  query = { status = "active" }

  # Where the items are in each answer, and how pages follow each other.
  items_pointer = "/data"
  pagination {
    next_pointer = "/meta/next_cursor"
    cursor_param = "cursor"
    size_param   = "limit"
    size         = 100
  }
}

# One object per listed flag, keyed by id.
output "flag_names" {
  value = { for id, f in data.driver_http_objects.flags.by_id : id => f.name }
}
