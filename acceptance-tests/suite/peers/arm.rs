//! restful's Azure Resource Manager tests (resource_azure_test.go) against
//! a stand-in that behaves as ARM does for them: an OAuth2 token endpoint
//! and a bearer token on every request, `api-version` required, resources
//! created and replaced by `PUT` at their id, resource groups deleted
//! asynchronously (`202` and a `Location` answering `202` until done, then
//! `200`), virtual networks, route tables and routes written
//! asynchronously (`Azure-AsyncOperation`, whose `status` is `Pending`
//! until `Succeeded`), extra server fields and an `etag` on every answer,
//! and `409 AnotherOperationInProgress` for overlapping writes under one
//! route table.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};

use super::stand_in::{Answer, Request, StandIn};
use super::{apply, apply_clean, destroy, get, import, plan};
use crate::harness::Workdir;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

/// Polls an operation answers before it is done.
const PENDING_POLLS: u32 = 2;

/// What the stand-in holds.
#[derive(Default)]
struct Arm {
    url: String,
    resources: BTreeMap<String, Json>,
    /// Operations by id.
    operations: BTreeMap<String, Op>,
    next_operation: u32,
    /// Writes running per route table (a 409 for a second one).
    writing: BTreeMap<String, u32>,
    /// Resource providers: (state, polls before it is final).
    providers: BTreeMap<String, (String, u32)>,
    conflicts: u32,
    unauthorized: u32,
}

/// An asynchronous write or delete: it goes on while anyone looks at it
/// (its status URL or the resource itself), then takes effect.
struct Op {
    left: u32,
    resource: String,
    deletes: bool,
    done: bool,
}

impl Arm {
    fn operation(&mut self, resource: &str, deletes: bool) -> String {
        self.next_operation += 1;
        let id = format!("op{}", self.next_operation);
        self.start(&id, resource, deletes);
        format!(
            "{}{SUB}/providers/Microsoft.Network/locations/westus/operations/{id}?api-version=2022-07-01",
            self.url
        )
    }

    fn start(&mut self, id: &str, resource: &str, deletes: bool) {
        let op = Op {
            left: PENDING_POLLS,
            resource: resource.to_owned(),
            deletes,
            done: false,
        };
        self.operations.insert(id.to_owned(), op);
    }

    /// One more look at operation `id`: `Some(true)` once it is done (and
    /// has taken effect), `None` for an unknown operation.
    fn advance(&mut self, id: &str) -> Option<bool> {
        let op = self.operations.get_mut(id)?;
        if op.left > 0 {
            op.left -= 1;
            return Some(false);
        }
        if !op.done {
            op.done = true;
            let gone = op.resource.clone();
            if op.deletes {
                self.resources
                    .retain(|k, _| k != &gone && !k.starts_with(&format!("{gone}/")));
            } else if let Some(o) = self.resources.get_mut(&gone) {
                o["properties"]["provisioningState"] = json!("Succeeded");
            }
        }
        Some(true)
    }

    fn handle(&mut self, r: &Request) -> (Answer, Vec<(String, String)>) {
        let none = Vec::new();
        if r.path == "/oauth2/token" {
            return (
                (
                    200,
                    Some(
                        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "arm-token"}),
                    ),
                ),
                none,
            );
        }
        if r.header("authorization") != Some("Bearer arm-token") {
            self.unauthorized += 1;
            return (
                (
                    401,
                    Some(json!({"error": {"code": "AuthenticationFailed"}})),
                ),
                none,
            );
        }
        if r.query("api-version").is_none() {
            return (
                (
                    400,
                    Some(json!({"error": {"code": "MissingApiVersionParameter"}})),
                ),
                none,
            );
        }
        if let Some(op) = r
            .path
            .rsplit_once("/operations/")
            .map(|(_, op)| op.to_owned())
        {
            return (self.poll(&op, false), none);
        }
        if let Some(op) = r
            .path
            .rsplit_once("/operationresults/")
            .map(|(_, op)| op.to_owned())
        {
            return (self.poll(&op, true), none);
        }
        if let Some(answer) = self.registration(r) {
            return (answer, none);
        }
        match r.method.as_str() {
            "GET" => (self.read(&r.path), none),
            "PUT" | "PATCH" => self.write(r),
            "DELETE" => self.delete(r),
            _ => ((405, None), none),
        }
    }

    /// An operation's status: `Pending` (or 202) for a few polls, then
    /// done, removing what a delete removes.
    fn poll(&mut self, op: &str, by_code: bool) -> Answer {
        match (self.advance(op), by_code) {
            (None, _) => (404, None),
            (Some(false), true) => (202, None),
            (Some(false), false) => (200, Some(json!({"status": "Pending"}))),
            (Some(true), true) => (200, None),
            (Some(true), false) => (200, Some(json!({"status": "Succeeded"}))),
        }
    }

    /// A read of a resource: its operations go on as it is looked at.
    fn read(&mut self, path: &str) -> Answer {
        let running: Vec<String> = self
            .operations
            .iter()
            .filter(|(_, op)| op.resource == path && !op.done)
            .map(|(id, _)| id.clone())
            .collect();
        for id in running {
            self.advance(&id);
        }
        match self.resources.get(path) {
            Some(o) => (200, Some(o.clone())),
            None => (404, Some(json!({"error": {"code": "ResourceNotFound"}}))),
        }
    }

    /// Resource provider registration: `POST …/providers/{ns}/register`
    /// (or `unregister`) answers the pending state, and `GET
    /// …/providers/{ns}` reports it for a few polls, then the final one.
    fn registration(&mut self, r: &Request) -> Option<Answer> {
        let (ns_path, action) = r.path.rsplit_once('/')?;
        let provider = |path: &str, state: &str| {
            let namespace = path.rsplit('/').next().unwrap_or_default();
            json!({"id": path, "namespace": namespace, "registrationState": state})
        };
        if r.method == "POST" && ns_path.contains("/providers/") {
            let (pending, done) = match action {
                "register" => ("Registering", "Registered"),
                "unregister" => ("Unregistering", "Unregistered"),
                _ => return None,
            };
            self.providers
                .insert(ns_path.to_owned(), (done.to_owned(), PENDING_POLLS));
            return Some((200, Some(provider(ns_path, pending))));
        }
        let (state, left) = self.providers.get_mut(&r.path)?;
        if *left > 0 {
            *left -= 1;
            let pending = if state == "Registered" {
                "Registering"
            } else {
                "Unregistering"
            };
            return Some((200, Some(provider(&r.path, pending))));
        }
        Some((200, Some(provider(&r.path, state))))
    }

    /// The route table a write happens under, if any.
    fn table(path: &str) -> Option<String> {
        path.find("/routeTables/").map(|i| {
            let rest = &path[i + "/routeTables/".len()..];
            let name = rest.split('/').next().unwrap_or_default();
            format!("{}/routeTables/{name}", &path[..i])
        })
    }

    fn write(&mut self, r: &Request) -> (Answer, Vec<(String, String)>) {
        let existed = self.resources.get(&r.path).cloned();
        let mut object = match (r.method.as_str(), existed.clone()) {
            ("PATCH", Some(mut o)) => {
                if let (Json::Object(o), Json::Object(p)) = (&mut o, &r.body) {
                    for (k, v) in p {
                        o.insert(k.clone(), v.clone());
                    }
                }
                o
            }
            ("PATCH", None) => return ((404, None), Vec::new()),
            _ => r.body.clone(),
        };
        let name = r.path.rsplit('/').next().unwrap_or_default().to_owned();
        object["id"] = json!(r.path);
        object["name"] = json!(name);
        self.next_operation += 1;
        object["etag"] = json!(format!("W/\"{}\"", self.next_operation));
        let resource_group = r.path.split('/').count() == 5;
        if resource_group {
            object["properties"] = json!({"provisioningState": "Succeeded"});
            self.resources.insert(r.path.clone(), object.clone());
            let status = if existed.is_some() { 200 } else { 201 };
            return ((status, Some(object)), Vec::new());
        }
        object["properties"]["resourceGuid"] = json!("6a0c2c4c-0000-4000-8000-000000000000");
        let status = if existed.is_some() { 200 } else { 201 };
        if r.method == "PATCH" {
            object["properties"]["provisioningState"] = json!("Succeeded");
            self.resources.insert(r.path.clone(), object.clone());
            return ((status, Some(object)), Vec::new());
        }
        object["properties"]["provisioningState"] = json!("Updating");
        self.resources.insert(r.path.clone(), object.clone());
        let op = self.operation(&r.path, false);
        (
            (status, Some(object)),
            vec![("Azure-AsyncOperation".into(), op)],
        )
    }

    fn delete(&mut self, r: &Request) -> (Answer, Vec<(String, String)>) {
        if !self.resources.contains_key(&r.path) {
            return ((204, None), Vec::new());
        }
        let resource_group = r.path.split('/').count() == 5;
        if resource_group {
            self.next_operation += 1;
            let id = format!("rg{}", self.next_operation);
            self.start(&id, &r.path, true);
            let location = format!(
                "{}{SUB}/operationresults/{id}?api-version=2020-06-01",
                self.url
            );
            return ((202, None), vec![("Location".into(), location)]);
        }
        if let Some(o) = self.resources.get_mut(&r.path) {
            o["properties"]["provisioningState"] = json!("Deleting");
        }
        let op = self.operation(&r.path, true);
        ((202, None), vec![("Azure-AsyncOperation".into(), op)])
    }
}

/// The ARM stand-in, and its state for the test's checks.
fn arm() -> (StandIn, Arc<Mutex<Arm>>) {
    let state = Arc::new(Mutex::new(Arm::default()));
    let shared = state.clone();
    let server = StandIn::start_with_headers(move |r| {
        let table =
            Arm::table(&r.path).filter(|_| matches!(r.method.as_str(), "PUT" | "PATCH" | "DELETE"));
        if let Some(t) = &table {
            let mut s = shared.lock().unwrap();
            let running = s.writing.entry(t.clone()).or_default();
            if *running > 0 {
                s.conflicts += 1;
                return (
                    (
                        409,
                        Some(json!({"error": {"code": "AnotherOperationInProgress"}})),
                    ),
                    Vec::new(),
                );
            }
            *running += 1;
        }
        if table.is_some() {
            // A write under a route table takes a while, as ARM's do.
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let mut s = shared.lock().unwrap();
        let answer = s.handle(r);
        if let Some(t) = &table {
            *s.writing.entry(t.clone()).or_default() -= 1;
        }
        answer
    });
    state.lock().unwrap().url = server.url.clone();
    (server, state)
}

fn provider(url: &str) -> String {
    format!(
        r#"
provider "driver" {{
  endpoint = "{url}"
  auth {{
    oauth2_client_credentials {{
      token_url     = "{url}/oauth2/token"
      client_id     = "client"
      client_secret = "secret"
      scopes        = ["https://management.azure.com/.default"]
    }}
  }}
}}
"#
    )
}

const RG: &str = r#"
resource "driver_http_object" "rg" {
  path          = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acctest-1"
  query         = { api-version = "2020-06-01" }
  create_method = "PUT"
  body          = { location = "westeurope", tags = { foo = "TAG" } }
  poll {
    interval = "1s"
  }
}
"#;

/// `TestResource_Azure_ResourceGroup` and `…_updatePath`: create by PUT at
/// the id with an `api-version`, update by PUT (at an explicit path too),
/// delete answered 202 and polled through `Location` by status code until
/// 200; import with the query gives a clean plan.
#[test]
fn an_arm_resource_group_through_its_whole_life() {
    let (server, state) = arm();
    let rg = |tag: &str| RG.replace("TAG", tag);
    let wd = Workdir::new(&format!("{}{}", provider(&server.url), rg("foo")));
    apply_clean(&wd);
    let path = format!("{SUB}/resourceGroups/acctest-1");
    assert_eq!(
        state.lock().unwrap().resources[&path]["location"],
        "westeurope"
    );
    let other = Workdir::new(&format!("{}{}", provider(&server.url), rg("foo")));
    import(
        &other,
        "driver_http_object.rg",
        &format!(
            r#"{{"path": "{path}", "id": "{path}", "query": {{"api-version": "2020-06-01"}}, "create_method": "PUT", "body": ["location", "tags"]}}"#
        ),
    );
    let (code, out) = plan(&other);
    assert!(!out.contains("must be replaced"), "{code}: {out}");
    wd.set(&format!(
        "{}{}",
        provider(&server.url),
        rg("bar").replace(
            "  poll {",
            "  update {\n    path = \"{path}\"\n  }\n  poll {"
        )
    ));
    apply_clean(&wd);
    assert_eq!(state.lock().unwrap().resources[&path]["tags"]["foo"], "bar");
    destroy(&wd);
    let s = state.lock().unwrap();
    assert!(
        s.resources.is_empty(),
        "deleted once the operation was done"
    );
    assert_eq!(s.unauthorized, 0);
    drop(s);
    assert_eq!(
        get(&server.url, &format!("{path}?api-version=2020-06-01")).0,
        401,
        "needs a token"
    );
}

const VNET: &str = r#"
resource "driver_http_object" "vnet" {
  path          = "${driver_http_object.rg.path}/providers/Microsoft.Network/virtualNetworks/restful-test-1"
  query         = { api-version = "2021-05-01" }
  create_method = "PUT"
  body = {
    location   = "westus"
    properties = { addressSpace = { addressPrefixes = ["10.0.0.0/16"] } }
    tags       = { foo = "TAG" }
  }
  poll {
    status_pointer = "/status"
    pending        = ["Pending"]
    success        = ["Succeeded"]
    interval       = "1s"
  }
}
"#;

/// `TestResource_Azure_VirtualNetwork`: a child of the resource group
/// whose create, update and delete answer `Azure-AsyncOperation`, polled
/// until `Succeeded`; only the configured fields are compared despite the
/// many the server adds.
#[test]
fn an_arm_virtual_network_polled_through_azure_async_operation() {
    let (server, state) = arm();
    let config = |tag: &str| {
        format!(
            "{}{}{}",
            provider(&server.url),
            RG.replace("TAG", "foo"),
            VNET.replace("TAG", tag)
        )
    };
    let wd = Workdir::new(&config("foo"));
    apply_clean(&wd);
    let vnet = format!(
        "{SUB}/resourceGroups/acctest-1/providers/Microsoft.Network/virtualNetworks/restful-test-1"
    );
    let response = super::response(&wd, "vnet");
    assert_eq!(
        response["properties"]["provisioningState"], "Succeeded",
        "{response}"
    );
    wd.set(&config("bar"));
    apply_clean(&wd);
    assert_eq!(state.lock().unwrap().resources[&vnet]["tags"]["foo"], "bar");
    destroy(&wd);
    assert!(state.lock().unwrap().resources.is_empty());
}

/// `TestResource_Azure_VirtualNetwork_SimplePoll`: the virtual network
/// itself is polled (`poll.follow = "object"`) until its
/// `provisioningState` is `Succeeded`, and after a delete until its 404,
/// though every answer names an `Azure-AsyncOperation`; import gives a
/// clean plan.
#[test]
fn an_arm_virtual_network_polled_at_itself() {
    let (server, state) = arm();
    let config = |tag: &str| {
        let vnet = VNET.replace("TAG", tag).replace(
            r#"status_pointer = "/status"
    pending        = ["Pending"]"#,
            r#"follow         = "object"
    status_pointer = "/properties/provisioningState"
    pending        = ["Updating", "Deleting"]"#,
        );
        format!(
            "{}{}{vnet}",
            provider(&server.url),
            RG.replace("TAG", "foo"),
        )
    };
    let wd = Workdir::new(&config("foo"));
    apply_clean(&wd);
    assert_eq!(
        super::response(&wd, "vnet")["properties"]["provisioningState"],
        "Succeeded"
    );
    let vnet = format!(
        "{SUB}/resourceGroups/acctest-1/providers/Microsoft.Network/virtualNetworks/restful-test-1"
    );
    let other = Workdir::new(&config("foo"));
    import(
        &other,
        "driver_http_object.rg",
        &format!(
            r#"{{"path": "{SUB}/resourceGroups/acctest-1", "id": "{SUB}/resourceGroups/acctest-1", "query": {{"api-version": "2020-06-01"}}, "create_method": "PUT", "body": ["location", "tags"]}}"#
        ),
    );
    import(
        &other,
        "driver_http_object.vnet",
        &format!(
            r#"{{"path": "{vnet}", "id": "{vnet}", "query": {{"api-version": "2021-05-01"}}, "create_method": "PUT", "body": ["location", "properties", "tags"]}}"#
        ),
    );
    let (code, out) = plan(&other);
    assert!(!out.contains("must be replaced"), "{code}: {out}");
    wd.set(&config("bar"));
    apply_clean(&wd);
    assert_eq!(state.lock().unwrap().resources[&vnet]["tags"]["foo"], "bar");
    destroy(&wd);
    assert!(state.lock().unwrap().resources.is_empty());
    let seen = server.seen();
    assert!(
        !seen.iter().any(|r| r.path.contains("/operations/")),
        "no operation URL was polled"
    );
    let object_polls = seen
        .iter()
        .filter(|r| r.method == "GET" && r.path == vnet)
        .count();
    assert!(
        object_polls >= 3 * PENDING_POLLS as usize,
        "the network was polled through its create, update and delete ({object_polls} reads)"
    );
}

/// `TestResource_Azure_RouteTable_Precheck`: routes of one route table are
/// written one at a time (`write_lock`; ARM answers 409 to overlapping
/// writes), the table is updated by a merge patch, and the ever-changing
/// `etag` is not drift.
#[test]
fn arm_routes_of_one_table_are_written_one_at_a_time() {
    let (server, state) = arm();
    let table = |tag: &str| {
        format!(
            r#"
resource "driver_http_object" "table" {{
  path          = "${{driver_http_object.rg.path}}/providers/Microsoft.Network/routeTables/restfultest-1"
  query         = {{ api-version = "2022-07-01" }}
  create_method = "PUT"
  update_method = "PATCH"
  body          = {{ location = "westus", tags = {{ foo = "{tag}" }} }}
  # No status_pointer: an Azure-AsyncOperation URL is read the Azure way.
  poll {{
    interval = "1s"
  }}
}}
"#
        )
    };
    let routes: String = (1..=2)
        .map(|i| {
            format!(
                r#"
resource "driver_http_object" "route{i}" {{
  path          = "${{driver_http_object.table.path}}/routes/route{i}"
  query         = {{ api-version = "2022-07-01" }}
  create_method = "PUT"
  write_lock    = driver_http_object.table.path
  body          = {{ properties = {{ nextHopType = "VnetLocal", addressPrefix = "10.{i}.0.0/16" }} }}
  poll {{
    status_pointer = "/status"
    pending        = ["Pending"]
    success        = ["Succeeded"]
    interval       = "1s"
  }}
}}
"#
            )
        })
        .collect();
    let config = |tag: &str| {
        format!(
            "{}{}{}{routes}",
            provider(&server.url),
            RG.replace("TAG", "foo"),
            table(tag)
        )
    };
    let wd = Workdir::new(&config("foo"));
    apply_clean(&wd);
    wd.set(&config("bar"));
    apply(&wd);
    let (code, out) = plan(&wd);
    assert_eq!(code, 0, "{out}");
    destroy(&wd);
    let s = state.lock().unwrap();
    assert_eq!(
        s.conflicts, 0,
        "no write overlapped another under the table"
    );
    assert!(s.resources.is_empty());
    assert!(
        s.operations.values().all(|op| op.done),
        "every operation was polled until it was done"
    );
}

/// `TestOperationResource_Azure_Register_RP`: unregistering, then
/// registering a resource provider is a POST each, polled at the
/// provider's URL (with its own `api-version`) until the state is final.
#[test]
fn an_arm_resource_provider_is_unregistered_then_registered() {
    let (server, state) = arm();
    let config = |action: &str, done: &str, pending: &str| {
        format!(
            r#"{}
resource "driver_http_operation" "rp" {{
  path   = "{SUB}/providers/Microsoft.ProviderHub/{action}"
  query  = {{ api-version = "2014-04-01-preview" }}
  method = "POST"
  poll {{
    path           = "{SUB}/providers/Microsoft.ProviderHub?api-version=2014-04-01-preview"
    status_pointer = "/registrationState"
    pending        = ["{pending}"]
    success        = ["{done}"]
    interval       = "1s"
  }}
}}
"#,
            provider(&server.url)
        )
    };
    let wd = Workdir::new(&config("unregister", "Unregistered", "Unregistering"));
    apply_clean(&wd);
    assert_eq!(
        super::response(&wd, "rp")["namespace"],
        "Microsoft.ProviderHub"
    );
    wd.set(&config("register", "Registered", "Registering"));
    apply_clean(&wd);
    let ns = format!("{SUB}/providers/Microsoft.ProviderHub");
    assert_eq!(
        state.lock().unwrap().providers[&ns],
        ("Registered".to_owned(), 0),
        "polled until registered"
    );
}

/// `TestResource_Azure_VirtualNetwork_Precheck`: before each write of the
/// virtual network, its resource group is read until its
/// `provisioningState` is `Succeeded`.
#[test]
fn arm_writes_wait_for_their_parent_to_be_provisioned() {
    let (server, state) = arm();
    let precheck = r#"
    precheck {
      path           = "${driver_http_object.rg.path}?api-version=2020-06-01"
      status_pointer = "/properties/provisioningState"
      success        = ["Succeeded"]
      interval       = "1s"
    }"#;
    let vnet = VNET.replace("TAG", "foo").replace(
        "  poll {",
        &format!("  create {{{precheck}\n  }}\n  update {{{precheck}\n  }}\n  delete {{{precheck}\n  }}\n  poll {{"),
    );
    let wd = Workdir::new(&format!(
        "{}{}{vnet}",
        provider(&server.url),
        RG.replace("TAG", "foo")
    ));
    apply_clean(&wd);
    destroy(&wd);
    let rg = format!("{SUB}/resourceGroups/acctest-1");
    let seen = server.seen();
    for (i, r) in seen.iter().enumerate() {
        if r.path.contains("virtualNetworks") && r.method != "GET" {
            assert!(
                seen[..i]
                    .iter()
                    .rev()
                    .take_while(|x| !x.path.contains("virtualNetworks") || x.method == "GET")
                    .any(|x| x.method == "GET" && x.path == rg),
                "{} {} was not preceded by a read of the resource group",
                r.method,
                r.path
            );
        }
    }
    assert!(state.lock().unwrap().resources.is_empty());
}
