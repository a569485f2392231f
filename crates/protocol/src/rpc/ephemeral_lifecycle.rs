//! OpenEphemeralResource, RenewEphemeralResource and
//! CloseEphemeralResource: the life of an ephemeral value within one run.
//! The value goes back to Terraform only; the private bytes, which Renew
//! and Close get back, stay in Terraform's memory.

use std::time::{SystemTime, UNIX_EPOCH};

use super::pb;
use crate::convert;
use framework::ProviderServer;

fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

pub(super) async fn open(
    provider: &dyn ProviderServer,
    req: pb::open_ephemeral_resource::Request,
) -> pb::open_ephemeral_resource::Response {
    let failed = |d| pb::open_ephemeral_resource::Response {
        diagnostics: convert::diagnostics(d),
        ..Default::default()
    };
    let ty = match convert::ephemeral_type(provider, &req.type_name) {
        Ok(t) => t,
        Err(d) => return failed(d),
    };
    let config =
        match convert::value_in(req.config.as_ref(), &ty, "ephemeral resource configuration") {
            Ok(c) => c,
            Err(d) => return failed(d),
        };
    let opened = provider.open_ephemeral(&req.type_name, config).await;
    pb::open_ephemeral_resource::Response {
        diagnostics: convert::diagnostics(opened.diagnostics),
        renew_at: opened.renew_at.map(timestamp),
        result: opened.result.map(|v| convert::value_out(&v, &ty)),
        private: Some(opened.private),
        deferred: None,
    }
}

pub(super) async fn renew(
    provider: &dyn ProviderServer,
    req: pb::renew_ephemeral_resource::Request,
) -> pb::renew_ephemeral_resource::Response {
    let private = req.private.unwrap_or_default();
    let renewed = provider.renew_ephemeral(&req.type_name, &private).await;
    pb::renew_ephemeral_resource::Response {
        diagnostics: convert::diagnostics(renewed.diagnostics),
        renew_at: renewed.renew_at.map(timestamp),
        private: Some(renewed.private),
    }
}

pub(super) async fn close(
    provider: &dyn ProviderServer,
    req: pb::close_ephemeral_resource::Request,
) -> pb::close_ephemeral_resource::Response {
    let private = req.private.unwrap_or_default();
    let diagnostics = provider.close_ephemeral(&req.type_name, &private).await;
    pb::close_ephemeral_resource::Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}
