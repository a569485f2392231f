# Run with `terraform test` in the module's directory, the API's URL in
# TF_VAR_endpoint. Runs share the module's state, in order.

run "creates_the_flag" {
  command = apply

  assert {
    condition     = driver_http_object.flag.id != ""
    error_message = "The API gave the flag no id."
  }

  assert {
    # `response` is what the API answered, server-added fields included.
    condition     = driver_http_object.flag.response.enabled == true
    error_message = "The API did not store the flag as enabled."
  }
}

run "turning_it_off_updates_in_place" {
  command = apply

  variables {
    rollout_percent = 0
  }

  assert {
    condition     = driver_http_object.flag.response.enabled == false
    error_message = "A rollout of 0 should disable the flag."
  }
}

run "rejects_a_rollout_over_100" {
  command = plan

  variables {
    rollout_percent = 150
  }

  expect_failures = [var.rollout_percent]
}
