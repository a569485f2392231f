# Read one object; `response` holds it as the API returned it.
data "driver_http_object" "team" {
  path = "/teams"
  id   = "platform"
}

output "team_owner" {
  value = data.driver_http_object.team.response.owner
}
