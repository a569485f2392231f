# Import by object path: every field the API returns becomes managed, so the
# first plan shows the fields your configuration does not set.
terraform import driver_http_object.flag /flags/123

# Import by a JSON id that also names the body fields to manage: the first
# plan after import is clean when the configuration sets those fields.
terraform import driver_http_object.flag '{"path": "/flags/123", "body": ["name", "enabled", "rollout"]}'
