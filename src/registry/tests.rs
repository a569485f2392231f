//! A whole driver in one module, registered with one line: an in-memory
//! store as the transport, its client, one resource type, and its
//! [`DriverModule`]. The provider serves it through the framework and the
//! engine like any other driver.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use framework::resource::{
    ApplyRequest, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Resource, UpdateRequest, UpdateResponse,
};
use framework::settings::Settings;
use framework::{ConfigureProviderRequest, ProviderServer, Server};
use parking_lot::Mutex;

use crate::config::ProviderConfig;
use crate::runtime::Runtime;
use crate::runtime::{Client, Clients, DriverModule};
use crate::{Diagnostics, DriverProvider, Environment, Schema, Type, Value};
use drivers::{Driver, DriverError, Operation, Outcome, Request};
use engine::{Engine, EngineConfig, Observers, OperationContext};

/// The transport: objects in memory, by key.
#[derive(Debug, Default)]
struct Memory {
    objects: Mutex<BTreeMap<String, String>>,
    next: AtomicU64,
}

/// One request to the store.
#[derive(Debug, Clone)]
struct MemoryRequest {
    operation: Operation,
    key: Option<String>,
    value: Option<String>,
}

impl Request for MemoryRequest {
    fn operation(&self) -> Operation {
        self.operation
    }
    fn target(&self) -> String {
        format!("memory {:?}", self.key)
    }
    fn is_idempotent(&self) -> bool {
        self.operation != Operation::Create
    }
    fn method(&self) -> String {
        self.operation.to_string()
    }
}

/// The driver: one attempt of one request against the store.
#[derive(Debug)]
struct MemoryDriver(Arc<Memory>);

/// What the store answered: the key, and the value read or written.
#[derive(Debug)]
struct Stored(String, Option<String>);

impl drivers::Feedback for Stored {}

#[async_trait::async_trait]
impl Driver for MemoryDriver {
    type Request = MemoryRequest;
    type Response = Stored;

    fn name(&self) -> &'static str {
        "memory"
    }

    async fn call(&self, req: &MemoryRequest) -> Result<Outcome<Self::Response>, DriverError> {
        let mut objects = self.0.objects.lock();
        let key = match (&req.key, req.operation) {
            (None, Operation::Create) => self.0.next.fetch_add(1, Ordering::Relaxed).to_string(),
            (Some(k), _) => k.clone(),
            (None, _) => return Err(DriverError::invalid("no key")),
        };
        let done = |v: Option<String>| Ok(Outcome::Done(Stored(key.clone(), v)));
        match req.operation {
            Operation::Create | Operation::Update => {
                objects.insert(key.clone(), req.value.clone().unwrap_or_default());
                done(req.value.clone())
            }
            Operation::Read => match objects.get(&key) {
                Some(v) => done(Some(v.clone())),
                None => Ok(Outcome::Gone),
            },
            Operation::Delete => match objects.remove(&key) {
                Some(_) => done(None),
                None => Ok(Outcome::Gone),
            },
        }
    }
}

/// The client: the engine around the store.
#[derive(Debug)]
struct MemoryClient {
    engine: Engine<MemoryDriver>,
}

/// The store every client of this test uses, so the test can look in it.
fn store() -> Arc<Memory> {
    static STORE: std::sync::OnceLock<Arc<Memory>> = std::sync::OnceLock::new();
    STORE.get_or_init(Arc::default).clone()
}

impl Client for MemoryClient {
    fn build(_: &ProviderConfig, observers: &Observers) -> Result<Option<Self>, Diagnostics> {
        let engine = Engine::new(
            MemoryDriver(store()),
            EngineConfig::default(),
            observers.clone(),
        );
        Ok(Some(MemoryClient { engine }))
    }

    fn missing() -> Diagnostics {
        let mut d = Diagnostics::new();
        d.error("Memory driver not available", "It was not set up.");
        d
    }
}

/// An object in memory.
#[derive(Debug, Clone, PartialEq, Settings)]
struct MemoryArgs {
    /// What it holds.
    value: String,
    /// Its key, chosen by the store.
    #[setting(computed)]
    id: Option<String>,
}

#[derive(Debug)]
struct MemoryObject;

impl MemoryObject {
    async fn send(
        rt: &Runtime,
        operation: Operation,
        key: Option<String>,
        value: Option<String>,
    ) -> Result<Outcome<Stored>, Diagnostics> {
        let client = rt.client::<MemoryClient>()?;
        let ctx = OperationContext::new(None, rt.stop.clone());
        let req = MemoryRequest {
            operation,
            key,
            value,
        };
        client.engine.execute(&req, &ctx).await.map_err(|e| {
            let mut d = Diagnostics::new();
            d.error("Memory request failed", e.to_string());
            d
        })
    }
}

#[async_trait::async_trait]
impl Resource<Runtime> for MemoryObject {
    fn type_name(&self) -> &'static str {
        "driver_memory_object"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: MemoryArgs::block(None),
        }
    }
    fn plan(&self, req: PlanRequest) -> PlanResponse {
        let planned = match req.prior_state {
            Value::Null(_) => req
                .proposed_new_state
                .with_attr(MemoryArgs::ID, Value::Unknown(Type::String)),
            _ => req.proposed_new_state,
        };
        PlanResponse {
            planned_state: Some(planned),
            ..Default::default()
        }
    }
    async fn create(&self, rt: &Runtime, req: CreateRequest) -> CreateResponse {
        let mut diagnostics = Diagnostics::new();
        let Some(args) = MemoryArgs::decode(&req.config, &mut diagnostics).known() else {
            return CreateResponse {
                diagnostics,
                ..Default::default()
            };
        };
        match Self::send(rt, Operation::Create, None, Some(args.value)).await {
            Ok(Outcome::Done(Stored(key, _))) => CreateResponse {
                new_state: Some(
                    req.planned_state
                        .with_attr(MemoryArgs::ID, Value::string(key)),
                ),
                ..Default::default()
            },
            Ok(Outcome::Gone) | Err(_) => CreateResponse::default(),
        }
    }
    async fn read(&self, rt: &Runtime, req: ReadRequest) -> ReadResponse {
        let key = req
            .current_state
            .get(MemoryArgs::ID)
            .and_then(Value::as_str)
            .map(str::to_owned);
        match Self::send(rt, Operation::Read, key, None).await {
            Ok(Outcome::Done(Stored(_, Some(v)))) => ReadResponse {
                new_state: Some(
                    req.current_state
                        .with_attr(MemoryArgs::VALUE, Value::string(v)),
                ),
                ..Default::default()
            },
            Ok(_) => ReadResponse::default(),
            Err(diagnostics) => ReadResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }
    async fn update(&self, _: &Runtime, req: UpdateRequest) -> UpdateResponse {
        UpdateResponse {
            new_state: Some(req.planned_state),
            ..Default::default()
        }
    }
    async fn delete(&self, rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
        let key = req
            .prior_state
            .get(MemoryArgs::ID)
            .and_then(Value::as_str)
            .map(str::to_owned);
        match Self::send(rt, Operation::Delete, key, None).await {
            Ok(_) => DeleteResponse::default(),
            Err(diagnostics) => DeleteResponse { diagnostics },
        }
    }
}

/// The driver, for the provider.
#[derive(Debug)]
struct MemoryModule;

impl DriverModule for MemoryModule {
    fn build_client(
        &self,
        config: &ProviderConfig,
        observers: &Observers,
        clients: &mut Clients,
    ) -> Result<(), Diagnostics> {
        clients.build::<MemoryClient>(config, observers)
    }

    fn types(&self) -> framework::Types<Runtime> {
        framework::Types {
            resources: vec![Arc::new(MemoryObject)],
            ..Default::default()
        }
    }
}

/// A value of `ty` with every attribute null but `set`.
fn object(ty: Type, set: &[(&str, Value)]) -> Value {
    let Type::Object(attrs) = ty else {
        panic!("an object type")
    };
    let mut m: BTreeMap<String, Value> = attrs
        .into_iter()
        .map(|(k, t)| (k, Value::Null(t)))
        .collect();
    for (k, v) in set {
        m.insert((*k).to_owned(), v.clone());
    }
    Value::Object(m)
}

#[tokio::test]
async fn a_driver_is_its_module_and_one_registration_line() {
    let mut modules = super::all();
    modules.push(Arc::new(MemoryModule));
    let server = Server::new(DriverProvider::with_drivers(
        Environment::default(),
        modules,
    ));
    let schema = server.schemas().resources["driver_memory_object"].clone();
    assert_eq!(
        schema.block.attribute("value").unwrap().description,
        "What it holds."
    );

    let provider_block = object(server.schemas().provider.block.value_type(), &[]);
    let configured = server.configure_provider(ConfigureProviderRequest {
        terraform_version: "1.11.4".into(),
        config: provider_block,
    });
    assert!(
        !configured.diagnostics.has_error(),
        "{:?}",
        configured.diagnostics
    );

    let ty = schema.block.value_type();
    let config = object(ty.clone(), &[("value", Value::string("hello"))]);
    let planned = server.plan_resource_change(
        "driver_memory_object",
        PlanRequest {
            prior_state: Value::Null(ty.clone()),
            proposed_new_state: config.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
        },
    );
    let created = server
        .apply_resource_change(
            "driver_memory_object",
            ApplyRequest {
                prior_state: Value::Null(ty.clone()),
                planned_state: planned.planned_state.unwrap(),
                config,
                planned_private: planned.planned_private,
            },
        )
        .await;
    let state = created.new_state.unwrap();
    let key = state.get("id").and_then(Value::as_str).unwrap().to_owned();
    assert_eq!(
        store().objects.lock().get(&key).map(String::as_str),
        Some("hello")
    );

    // Drift shows through the engine and the framework's bookkeeping.
    store().objects.lock().insert(key.clone(), "changed".into());
    let read = server
        .read_resource(
            "driver_memory_object",
            ReadRequest {
                current_state: state.clone(),
                private: Vec::new(),
            },
        )
        .await;
    assert_eq!(
        read.new_state
            .as_ref()
            .and_then(|s| s.get("value"))
            .and_then(Value::as_str),
        Some("changed")
    );

    let deleted = server
        .apply_resource_change(
            "driver_memory_object",
            ApplyRequest {
                prior_state: state,
                planned_state: Value::Null(ty),
                config: Value::Null(Type::Dynamic),
                planned_private: Vec::new(),
            },
        )
        .await;
    assert!(deleted.new_state.is_none() && !deleted.diagnostics.has_error());
    assert!(!store().objects.lock().contains_key(&key));
}
