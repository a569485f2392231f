//! One bounded `PUT` of a text body to a URL, outside the engine: for
//! telemetry (metrics pushed to a Pushgateway at the end of a run), which
//! must neither take a rate-limit slot nor retry nor fail the run.

use std::time::Duration;

use url::Url;

/// Sends `body` with `PUT` to `url` within `timeout`; no redirects are
/// followed, so credentials in the URL go nowhere else. The answer's
/// status, or why there was none (without the URL's credentials).
pub async fn put_text(
    url: &Url,
    content_type: &str,
    body: String,
    timeout: Duration,
) -> Result<u16, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(|e| e.without_url().to_string())?;
    let sent = client
        .put(url.clone())
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send();
    // reqwest's own timeout covers the body too; this one is a backstop.
    match tokio::time::timeout(timeout + Duration::from_secs(1), sent).await {
        Ok(Ok(resp)) => Ok(resp.status().as_u16()),
        Ok(Err(e)) => Err(e.without_url().to_string()),
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
    }
}
