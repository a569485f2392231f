//! ValidateActionConfig, PlanAction and InvokeAction (Terraform 1.14
//! `action` blocks). Invoking streams progress messages as the action
//! sends them, then one completion with its diagnostics.

use tonic::codegen::BoxStream;

use super::pb;
use super::pb::invoke_action::event::{Completed, Progress, Type as EventType};
use crate::convert;
use framework::ProviderServer;

fn config(
    provider: &dyn ProviderServer,
    type_name: &str,
    raw: Option<&pb::DynamicValue>,
) -> Result<framework::Value, framework::Diagnostics> {
    let ty = convert::action_type(provider, type_name)?;
    convert::value_in(raw, &ty, "action configuration")
}

pub(super) fn validate(
    provider: &dyn ProviderServer,
    req: pb::validate_action_config::Request,
) -> pb::validate_action_config::Response {
    let diagnostics = match config(provider, &req.type_name, req.config.as_ref()) {
        Ok(c) => provider.validate_action(&req.type_name, &c),
        Err(d) => d,
    };
    pb::validate_action_config::Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}

pub(super) fn plan(
    provider: &dyn ProviderServer,
    req: pb::plan_action::Request,
) -> pb::plan_action::Response {
    let diagnostics = match config(provider, &req.action_type, req.config.as_ref()) {
        Ok(c) => provider.validate_action(&req.action_type, &c),
        Err(d) => d,
    };
    pb::plan_action::Response {
        diagnostics: convert::diagnostics(diagnostics),
        deferred: None,
    }
}

fn progress(message: String) -> pb::invoke_action::Event {
    pb::invoke_action::Event {
        r#type: Some(EventType::Progress(Progress { message })),
    }
}

fn completed(d: framework::Diagnostics) -> pb::invoke_action::Event {
    pb::invoke_action::Event {
        r#type: Some(EventType::Completed(Completed {
            diagnostics: convert::diagnostics(d),
        })),
    }
}

/// Runs the action on its own task; its progress and completion arrive
/// on the stream as they happen.
pub(super) fn invoke(
    provider: std::sync::Arc<dyn ProviderServer>,
    req: pb::invoke_action::Request,
) -> BoxStream<pb::invoke_action::Event> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<pb::invoke_action::Event>();
    tokio::spawn(async move {
        let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let forward = {
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Some(m) = prx.recv().await {
                    let _ = tx.send(progress(m));
                }
            })
        };
        let run = async {
            match config(provider.as_ref(), &req.action_type, req.config.as_ref()) {
                Ok(c) => provider.invoke_action(&req.action_type, c, ptx).await,
                Err(d) => d,
            }
        };
        // A panic still ends the stream with a completion: the error.
        let diagnostics = {
            use futures_util::FutureExt;
            match std::panic::AssertUnwindSafe(run).catch_unwind().await {
                Ok(d) => d,
                Err(payload) => {
                    let p = super::panic_diagnostic("invoke_action", payload.as_ref());
                    let mut d = framework::Diagnostics::new();
                    d.error(p.summary, p.detail);
                    d
                }
            }
        };
        // Every progress message goes out before the completion.
        let _ = forward.await;
        let _ = tx.send(completed(diagnostics));
    });
    use tokio_stream::StreamExt;
    Box::pin(tokio_stream::wrappers::UnboundedReceiverStream::new(rx).map(Ok))
}
