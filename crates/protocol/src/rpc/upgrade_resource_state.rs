//! UpgradeResourceState: called on every run, even without a version
//! change. Stored JSON is decoded with the current type, which drops
//! attributes the schema no longer has, and answered as msgpack.

use super::pb::upgrade_resource_state::{Request, Response};
use crate::{codec, convert};
use framework::{Diagnostics, ProviderServer};

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let result = convert::resource_type(provider, &req.type_name).and_then(|ty| {
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            let mut d = Diagnostics::new();
            d.error(
                "State too old",
                "This state was written before Terraform 0.12 (flatmap format), which this provider cannot read. Remove the resource from state and import it.",
            );
            return Err(d);
        }
        let unreadable = |e: String| {
            let mut d = Diagnostics::new();
            d.error(
                "Unreadable state",
                format!("The stored state of this {} could not be read: {e}.", req.type_name),
            );
            d
        };
        let stored = serde_json::from_slice::<serde_json::Value>(&raw.json)
            .map_err(|e| unreadable(e.to_string()))?;
        let upgraded = provider.upgrade_resource_state(&req.type_name, req.version, stored)?;
        let value = codec::decode_json(&upgraded, &ty).map_err(|e| unreadable(e.to_string()))?;
        Ok(convert::value_out(&value, &ty))
    });
    match result {
        Ok(v) => Response {
            upgraded_state: Some(v),
            diagnostics: Vec::new(),
        },
        Err(d) => Response {
            upgraded_state: None,
            diagnostics: convert::diagnostics(d),
        },
    }
}
