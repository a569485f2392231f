//! GetResourceIdentitySchemas and UpgradeResourceIdentity (Terraform
//! 1.12+): which resource types have an identity, and stored identities
//! read back (version 0 is the only one so far: decoded as it is).

use super::pb;
use crate::{codec, convert};
use framework::{Diagnostics, ProviderServer};

pub(super) fn schemas(
    provider: &dyn ProviderServer,
) -> pb::get_resource_identity_schemas::Response {
    pb::get_resource_identity_schemas::Response {
        identity_schemas: provider
            .schemas()
            .identities
            .iter()
            .map(|(k, v)| (k.clone(), convert::identity_schema(v)))
            .collect(),
        diagnostics: Vec::new(),
    }
}

pub(super) fn upgrade(
    provider: &dyn ProviderServer,
    req: pb::upgrade_resource_identity::Request,
) -> pb::upgrade_resource_identity::Response {
    let fail = |summary: &str, detail: String| {
        let mut d = Diagnostics::new();
        d.error(summary, detail);
        pb::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: convert::diagnostics(d),
        }
    };
    let Some(schema) = provider.schemas().identities.get(&req.type_name) else {
        return fail(
            "No resource identity",
            format!("{} has no resource identity.", req.type_name),
        );
    };
    if req.version > schema.version {
        return fail(
            "Identity written by a newer provider",
            format!(
                "{} identity has version {}, but this provider knows versions up to {}.",
                req.type_name, req.version, schema.version
            ),
        );
    }
    let ty = schema.value_type();
    let raw = req.raw_identity.map(|r| r.json).unwrap_or_default();
    let decoded = serde_json::from_slice::<serde_json::Value>(&raw)
        .map_err(|e| e.to_string())
        .and_then(|j| codec::decode_json(&j, &ty).map_err(|e| e.to_string()));
    match decoded {
        Ok(v) => pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(pb::ResourceIdentityData {
                identity_data: Some(convert::value_out(&v, &ty)),
            }),
            diagnostics: Vec::new(),
        },
        Err(e) => fail(
            "Unreadable resource identity",
            format!(
                "The stored identity of this {} could not be read: {e}.",
                req.type_name
            ),
        ),
    }
}
