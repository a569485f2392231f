//! CallFunction: decodes each argument with its parameter's type, calls
//! the function, and encodes the result with the return type. Errors go
//! back as a FunctionError naming the argument at fault.

use super::pb;
use super::pb::call_function::{Request, Response};
use crate::convert;
use framework::ProviderServer;
use framework::function::FunctionError;

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let failed = |e: FunctionError| Response {
        result: None,
        error: Some(pb::FunctionError {
            text: e.text,
            function_argument: e.argument.and_then(|i| i64::try_from(i).ok()),
        }),
    };
    let all = provider.functions();
    let Some(f) = all.iter().find(|f| f.name == req.name) else {
        return failed(FunctionError {
            text: format!(
                "this provider has no function {:?}; its functions are {}",
                req.name,
                all.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
            ),
            argument: None,
        });
    };
    let mut args = Vec::with_capacity(req.arguments.len());
    for (i, a) in req.arguments.iter().enumerate() {
        let Some(ty) = f.argument_type(i) else {
            return failed(FunctionError {
                text: format!("{} takes at most {} arguments", f.name, f.parameters.len()),
                argument: Some(i),
            });
        };
        match convert::value_in(Some(a), ty, "function argument") {
            Ok(v) => args.push(v),
            Err(d) => {
                let text = d
                    .iter()
                    .map(|d| format!("{}: {}", d.summary, d.detail))
                    .collect::<Vec<_>>()
                    .join("; ");
                return failed(FunctionError {
                    text,
                    argument: Some(i),
                });
            }
        }
    }
    match f.call(&args) {
        Ok(v) => Response {
            result: Some(convert::value_out(&v, &f.returns)),
            error: None,
        },
        Err(e) => failed(e),
    }
}
