//! The exec driver: one command per call. The program runs without a shell
//! (unless the configuration names one), in its own process group, so a
//! timeout or Ctrl-C kills it and everything it started.

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    Class, Driver, DriverError, ErrorKind, Feedback, Health, Operation, Outcome, Request, Sensitive,
};

/// Most stdout or stderr kept from one command.
const MAX_OUTPUT: u64 = 16 << 20;
/// How much of stderr goes into an error message.
const STDERR_TAIL: usize = 1000;

/// One command.
#[derive(Clone)]
pub struct ExecRequest {
    /// What it does to the object.
    pub operation: Operation,
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Written to stdin.
    pub stdin: Vec<u8>,
    /// Extra environment (on top of the provider's own).
    pub env: Vec<(String, String)>,
    /// Environment whose values are secrets: masked in every message.
    pub sensitive_env: Vec<(String, Sensitive)>,
    /// Where it runs.
    pub working_dir: Option<PathBuf>,
    /// Exit codes that mean "try again".
    pub retry_exit_codes: Vec<i32>,
    /// Exit codes that mean "the object does not exist".
    pub gone_exit_codes: Vec<i32>,
}

impl fmt::Debug for ExecRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecRequest")
            .field("operation", &self.operation)
            .field("argv", &self.argv)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field(
                "sensitive_env",
                &self
                    .sensitive_env
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Request for ExecRequest {
    fn operation(&self) -> Operation {
        self.operation
    }
    fn target(&self) -> String {
        self.argv.first().cloned().unwrap_or_default()
    }
    fn method(&self) -> String {
        "exec".into()
    }
    fn is_idempotent(&self) -> bool {
        // A command is a black box; only reads are assumed repeatable.
        // Exit codes in retry_exit_codes are retried regardless.
        self.operation == Operation::Read
    }
}

/// What a command printed, when it succeeded.
#[derive(Debug)]
pub struct ExecResponse {
    /// stdout.
    pub stdout: Vec<u8>,
}

impl Feedback for ExecResponse {
    fn status_code(&self) -> Option<i64> {
        Some(0)
    }
}

/// The exec driver.
#[derive(Debug, Default, Clone)]
pub struct ExecDriver;

/// Kills the command's whole process group unless disarmed: runs when the
/// call is dropped (timeout, Ctrl-C) as well as on errors.
struct GroupKiller(Option<rustix::process::Pid>);

impl Drop for GroupKiller {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // The group may be gone already; nothing to do then.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

fn mask(text: &str, secrets: &[(String, Sensitive)]) -> String {
    let mut out = text.to_owned();
    for (_, v) in secrets {
        if !v.0.is_empty() {
            out = out.replace(&v.0, "***");
        }
    }
    out
}

fn tail(bytes: &[u8], secrets: &[(String, Sensitive)]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = mask(text.trim(), secrets);
    let start = text
        .char_indices()
        .rev()
        .nth(STDERR_TAIL)
        .map_or(0, |(i, _)| i);
    let cut = &text[start..];
    if start > 0 {
        format!("…{cut}")
    } else {
        cut.to_owned()
    }
}

#[async_trait::async_trait]
impl Driver for ExecDriver {
    type Request = ExecRequest;
    type Response = ExecResponse;

    fn name(&self) -> &'static str {
        "exec"
    }

    async fn call(&self, req: &ExecRequest) -> Result<Outcome<ExecResponse>, DriverError> {
        let Some((program, _)) = req.argv.split_first() else {
            return Err(DriverError::invalid("the command is empty"));
        };
        let mut child = spawn(req)?;
        let _killer = GroupKiller(
            child
                .id()
                .and_then(|id| i32::try_from(id).ok())
                .and_then(rustix::process::Pid::from_raw),
        );
        tracing::debug!(program = %program, operation = %req.operation, "running command");
        let (out, err) = exchange(&mut child, req, program).await?;
        let interrupted = |e: std::io::Error| {
            DriverError::new(ErrorKind::Interrupted, format!("{program:?}: {e}"))
        };
        let status = child.wait().await.map_err(interrupted)?;
        let code = status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        });
        tracing::debug!(program = %program, code, "command finished");
        if code == 0 {
            return Ok(Outcome::Done(ExecResponse { stdout: out }));
        }
        if req.gone_exit_codes.contains(&code) {
            return Ok(Outcome::Gone);
        }
        Err(exit_error(req, program, code, &err))
    }
}

/// Starts the command in a process group of its own (killed whole when
/// dropped), with pipes for its input and outputs.
fn spawn(req: &ExecRequest) -> Result<tokio::process::Child, DriverError> {
    let Some((program, args)) = req.argv.split_first() else {
        return Err(DriverError::invalid("the command is empty"));
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .envs(req.env.iter().map(|(k, v)| (k, v)))
        .envs(req.sensitive_env.iter().map(|(k, v)| (k, &v.0)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(dir) = &req.working_dir {
        cmd.current_dir(dir);
    }
    cmd.spawn().map_err(|e| {
        DriverError::invalid(match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "command not found: {program:?} (is it installed and on the PATH{}?)",
                req.working_dir
                    .as_ref()
                    .map(|d| format!(", or relative to {}", d.display()))
                    .unwrap_or_default()
            ),
            std::io::ErrorKind::PermissionDenied => format!("{program:?} is not executable"),
            _ => format!("cannot start {program:?}: {e}"),
        })
    })
}

/// Writes the input while reading both outputs (a command that prints a
/// lot before reading its input must not deadlock), at most
/// [`MAX_OUTPUT`] bytes of each: its stdout and stderr.
async fn exchange(
    child: &mut tokio::process::Child,
    req: &ExecRequest,
    program: &str,
) -> Result<(Vec<u8>, Vec<u8>), DriverError> {
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(DriverError::invalid(format!("{program:?}: no pipes")));
    };
    let input = req.stdin.clone();
    let writer = async move {
        // A command that does not read its input closes the pipe early.
        let _ = stdin.write_all(&input).await;
        drop(stdin);
        Ok::<(), std::io::Error>(())
    };
    // Read one byte more than allowed, to know it was more; stop reading
    // (and so end the command) as soon as it is.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut too_large = false;
    let mut stdout = stdout.take(MAX_OUTPUT + 1);
    let mut stderr = stderr.take(MAX_OUTPUT);
    let reader_out = async {
        stdout.read_to_end(&mut out).await?;
        if out.len() as u64 > MAX_OUTPUT {
            too_large = true;
            return Err(std::io::Error::other("too large"));
        }
        Ok(())
    };
    let reader_err = async { stderr.read_to_end(&mut err).await.map(drop) };
    let read = tokio::try_join!(writer, reader_out, reader_err);
    if too_large {
        // The group killer ends it when the call returns.
        return Err(DriverError::new(
            ErrorKind::TooLarge,
            format!("{program:?} printed more than {MAX_OUTPUT} bytes"),
        ));
    }
    read.map_err(|e| DriverError::new(ErrorKind::Interrupted, format!("{program:?}: {e}")))?;
    Ok((out, err))
}

/// The failure of a command that exited with `code`. A failing command
/// counts against the breaker; one whose code the configuration lists as
/// "try again" is retried, and (being declared safe to repeat) whatever the
/// request's idempotency.
fn exit_error(req: &ExecRequest, program: &str, code: i32, stderr: &[u8]) -> DriverError {
    let detail = tail(stderr, &req.sensitive_env);
    let retryable = req.retry_exit_codes.contains(&code);
    let message = match (retryable, detail.is_empty()) {
        (true, _) => format!("{program:?} exited with retryable code {code}: {detail}"),
        (false, true) => format!("exited with code {code}"),
        (false, false) => format!("exited with code {code}: {detail}"),
    };
    let class = Class {
        transient: retryable,
        health: Health::Unhealthy,
        ..Class::default()
    };
    DriverError::answered(i64::from(code), detail, message).classified(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(argv: &[&str]) -> ExecRequest {
        ExecRequest {
            operation: Operation::Create,
            argv: argv.iter().map(|s| s.to_string()).collect(),
            stdin: b"{\"a\":1}".to_vec(),
            env: vec![("GREETING".into(), "hi".into())],
            sensitive_env: vec![("TOKEN".into(), Sensitive("s3cret".into()))],
            working_dir: None,
            retry_exit_codes: vec![75],
            gone_exit_codes: vec![44],
        }
    }

    async fn run(argv: &[&str]) -> Result<Outcome<ExecResponse>, DriverError> {
        ExecDriver.call(&req(argv)).await
    }

    #[tokio::test]
    async fn stdin_env_and_stdout() {
        let Ok(Outcome::Done(r)) =
            run(&["sh", "-c", "printf '%s %s ' \"$GREETING\" \"$TOKEN\"; cat"]).await
        else {
            panic!()
        };
        assert_eq!(String::from_utf8(r.stdout).unwrap(), "hi s3cret {\"a\":1}");
    }

    #[tokio::test]
    async fn exit_codes_mean_what_the_configuration_says() {
        assert!(matches!(
            run(&["sh", "-c", "exit 44"]).await,
            Ok(Outcome::Gone)
        ));
        let again = run(&["sh", "-c", "exit 75"]).await.unwrap_err();
        assert!(again.class.transient && again.code() == Some(75));
        let err = run(&["sh", "-c", "echo \"token s3cret rejected\" >&2; exit 3"])
            .await
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Answered {
                code: 3,
                detail: "token *** rejected".into()
            }
        );
        assert_eq!(err.to_string(), "exited with code 3: token *** rejected");
        assert!(!err.class.transient && !err.class.maybe_applied);
    }

    #[tokio::test]
    async fn a_missing_program_is_named() {
        let err = run(&["no-such-program-here"]).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("command not found: \"no-such-program-here\""),
            "{err}"
        );
        assert!(run(&[]).await.is_err());
    }

    #[tokio::test]
    async fn output_beyond_the_limit_is_refused_without_reading_it_all() {
        let err = run(&["sh", "-c", "yes 0123456789abcdef"])
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooLarge, "{err}");
    }

    /// Whether a process is still running (a zombie is not).
    fn running(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
        })
    }

    #[tokio::test]
    async fn dropping_the_call_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild");
        // The shell starts a long-lived grandchild and says which it is.
        let script = format!("sleep 600 & echo $! > {}; wait", pid_file.display());
        let r = req(&["sh", "-c", &script]);
        // Boxed, so that dropping it below really drops the call.
        let mut call = Box::pin(ExecDriver.call(&r));
        // Run the call until the grandchild exists (bounded), then drop it.
        let mut waited = 0;
        let pid = loop {
            waited += 1;
            assert!(waited < 1000, "the shell never started its grandchild");
            tokio::select! {
                _ = &mut call => panic!("the command ended on its own"),
                _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
            }
            if let Ok(pid) = std::fs::read_to_string(&pid_file)
                && !pid.trim().is_empty()
            {
                break pid.trim().to_owned();
            }
        };
        assert!(running(&pid));
        drop(call);
        // The kill is synchronous; give the kernel a bounded while to reap.
        for _ in 0..500 {
            if !running(&pid) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        panic!("the grandchild {pid} survived the dropped call: {stat}");
    }
}
