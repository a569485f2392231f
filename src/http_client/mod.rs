//! The HTTP engine as resources use it, plus what needs provider state:
//! OAuth 2.0 client credentials. The token is fetched once and cached until
//! shortly before it expires (one fetch per run, not per request, however
//! many requests start at once), fetched through the same engine and so the
//! same rate limiter, and fetched again once when the API answers 401.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::time::Instant;
use url::Url;

mod listing;

pub use listing::fetch as fetch_listing;

use super::Diagnostics;
use super::config::{ApiKeyLocation, Auth, ProviderConfig, SharedBudgetSettings};
use super::listing::Listings;
use super::runtime::Client;
use drivers::http::{
    Body, HttpAuth, HttpConfig, HttpDriver, HttpRequest, HttpResponse, HttpTls, Method,
};
use drivers::{Operation, Outcome, Sensitive};
use engine::shared_budget::redis::RedisBudget;
use engine::{Engine, EngineError, Observers, OperationContext, SharedBudgetConfig, time};

/// Tokens are renewed this long before they expire.
const EXPIRY_SKEW: Duration = Duration::from_secs(30);
/// Lifetime assumed when the token endpoint does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest lifetime believed, whatever the token endpoint says.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// OAuth 2.0 client credentials settings.
#[derive(Debug)]
pub struct OAuth2 {
    /// The token endpoint.
    pub token_url: Url,
    /// Client ID.
    pub client_id: String,
    /// Client secret.
    pub client_secret: Sensitive,
    /// Scopes to request.
    pub scopes: Vec<String>,
    cache: tokio::sync::Mutex<Option<(Sensitive, Instant)>>,
}

impl OAuth2 {
    /// Settings with an empty cache.
    pub fn new(
        token_url: Url,
        client_id: String,
        client_secret: Sensitive,
        scopes: Vec<String>,
    ) -> Self {
        OAuth2 {
            token_url,
            client_id,
            client_secret,
            scopes,
            cache: tokio::sync::Mutex::new(None),
        }
    }
}

/// The HTTP engine with OAuth around it.
#[derive(Debug)]
pub struct HttpClient {
    engine: Engine<HttpDriver>,
    oauth: Option<OAuth2>,
    listings: Listings,
}

impl HttpClient {
    /// A client; `oauth` when the provider authenticates with client credentials.
    pub fn new(engine: Engine<HttpDriver>, oauth: Option<OAuth2>) -> Self {
        HttpClient {
            engine,
            oauth,
            listings: Listings::default(),
        }
    }

    /// Collection listings shared by the refreshes of this process.
    pub fn listings(&self) -> &Listings {
        &self.listings
    }

    /// The engine.
    pub fn engine(&self) -> &Engine<HttpDriver> {
        &self.engine
    }

    /// The URL of a path, for messages (a long path is cut short).
    pub fn url(&self, path: &str) -> String {
        self.engine.driver().shown(path)
    }

    /// The endpoint: every request path is below it.
    pub fn base_url(&self) -> &Url {
        &self.engine.driver().config().base_url
    }

    /// Runs a request, with a bearer token when OAuth is configured.
    pub async fn execute(
        &self,
        req: &HttpRequest,
        ctx: &OperationContext,
    ) -> Result<Outcome<HttpResponse>, EngineError> {
        if req.method != Method::GET && req.method != Method::HEAD {
            // A write may change what a listing holds.
            self.listings.invalidate();
        }
        let Some(oauth) = &self.oauth else {
            return self.engine.execute(req, ctx).await;
        };
        let token = self.token(oauth, ctx, None).await?;
        let mut req = req.clone();
        req.bearer = Some(token.clone());
        match self.engine.execute(&req, ctx).await {
            // The token was revoked or expired early: one fresh token, one more try.
            Err(e) if e.code() == Some(401) => {
                tracing::debug!("401 with a cached OAuth token: fetching a new one");
                let fresh = self.token(oauth, ctx, Some(&token)).await?;
                req.bearer = Some(fresh);
                self.engine.execute(&req, ctx).await
            }
            other => other,
        }
    }

    /// The cached token, or a new one. `stale` is a token the API refused:
    /// replaced unless another request already replaced it.
    async fn token(
        &self,
        oauth: &OAuth2,
        ctx: &OperationContext,
        stale: Option<&Sensitive>,
    ) -> Result<Sensitive, EngineError> {
        // Held across the fetch: concurrent requests wait for one fetch.
        let mut cache = oauth.cache.lock().await;
        if let Some((token, expires)) = cache.as_ref()
            && time::from_now(EXPIRY_SKEW) < *expires
            && stale != Some(token)
        {
            return Ok(token.clone());
        }
        let mut form = vec![
            (
                "grant_type".to_owned(),
                Sensitive("client_credentials".into()),
            ),
            ("client_id".to_owned(), Sensitive(oauth.client_id.clone())),
            ("client_secret".to_owned(), oauth.client_secret.clone()),
        ];
        if !oauth.scopes.is_empty() {
            form.push(("scope".to_owned(), Sensitive(oauth.scopes.join(" "))));
        }
        let mut req = HttpRequest::new(Operation::Read, Method::POST, String::new());
        req.absolute_url = Some(oauth.token_url.clone());
        req.body = Body::Form(form);
        // Asking for a token twice is harmless.
        req.repeatable = true;
        let ctx = OperationContext {
            subject: Some("oauth2_token".into()),
            object_id: None,
            ..ctx.clone()
        };
        let url = &oauth.token_url;
        let failed = |why: String| {
            EngineError::refused(format!("OAuth token request to {url}: {why}"), None)
        };
        let resp = match self.engine.execute(&req, &ctx).await {
            Ok(Outcome::Done(r)) => r,
            Ok(Outcome::Gone) => {
                return Err(failed(
                    "the token endpoint answered 404; check token_url".into(),
                ));
            }
            Err(e) => {
                let why = e.to_string();
                return Err(EngineError::refused(
                    format!("OAuth token request to {url}: {why}"),
                    e.last,
                ));
            }
        };
        let body: Json = serde_json::from_slice(&resp.body)
            .map_err(|_| failed("the answer is not JSON".into()))?;
        let token = body
            .get("access_token")
            .and_then(Json::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| failed("the answer has no access_token".into()))?;
        // Seconds, as a number (sometimes a string); bounded.
        let lifetime = match body.get("expires_in") {
            Some(Json::Number(n)) => n.as_f64(),
            Some(Json::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map_or(DEFAULT_LIFETIME, |x| {
            Duration::try_from_secs_f64(x.min(MAX_LIFETIME.as_secs_f64()))
                .unwrap_or(DEFAULT_LIFETIME)
        });
        self.engine.observers().redactor.add(token.to_owned());
        let token = Sensitive(token.to_owned());
        *cache = Some((token.clone(), time::from_now(lifetime)));
        tracing::debug!(expires_in = ?lifetime, "fetched an OAuth token");
        Ok(token)
    }
}

impl HttpClient {
    /// Whether the provider trusts a CA of its own (`tls.ca_cert_pem`).
    pub fn tls_ca_configured(&self) -> bool {
        self.engine.driver().config().tls.ca_cert_pem.is_some()
    }
}

/// The Redis-backed budget `rate_limit.shared` names, at the configured
/// rate; connected on first use.
fn shared_budget(
    config: &ProviderConfig,
    shared: &SharedBudgetSettings,
) -> Result<SharedBudgetConfig, Diagnostics> {
    let rate = config.rate_limit.requests_per_second.unwrap_or(1.0);
    let url = Sensitive(shared.redis_url.expose().to_owned());
    match RedisBudget::new(&url, &shared.key, rate, config.rate_limit.burst) {
        Ok(b) => Ok(SharedBudgetConfig {
            budget: Arc::new(b),
            unavailable: shared.on_unavailable,
        }),
        Err(why) => {
            let mut d = Diagnostics::new();
            d.attribute_error(
                super::AttributePath::root(crate::config::ProviderBlock::RATE_LIMIT)
                    .attr(crate::config::RateLimitBlock::SHARED)
                    .attr(crate::config::SharedBlock::REDIS_URL),
                "Invalid redis_url",
                why,
            );
            Err(d)
        }
    }
}

/// `User-Agent`: the provider and the CLI running it, so an API's owners
/// can tell who calls them. OpenTofu reports in the same field the
/// Terraform version it is compatible with (1.13.0 from OpenTofu 1.12). A
/// `User-Agent` in the provider's `headers` replaces it.
fn user_agent(cli_version: Option<&str>) -> String {
    let ours = concat!("terraform-provider-driver/", env!("CARGO_PKG_VERSION"));
    // Bounded and printable: the version comes from the CLI.
    let cli: String = cli_version
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        .take(32)
        .collect();
    if cli.is_empty() {
        ours.to_owned()
    } else {
        format!("{ours} Terraform/{cli}")
    }
}

/// The driver's authentication from the provider's. OAuth tokens are added
/// per request by the [`HttpClient`].
fn http_auth(auth: Option<&Auth>) -> HttpAuth {
    match auth {
        None | Some(Auth::OAuth2ClientCredentials { .. }) => HttpAuth::None,
        Some(Auth::Bearer(t)) => HttpAuth::Bearer(Sensitive(t.expose().to_owned())),
        Some(Auth::Basic { username, password }) => HttpAuth::Basic {
            username: username.clone(),
            password: Sensitive(password.expose().to_owned()),
        },
        Some(Auth::ApiKey {
            name,
            value,
            location,
        }) => {
            let value = Sensitive(value.expose().to_owned());
            match location {
                ApiKeyLocation::Header => HttpAuth::HeaderKey {
                    name: name.clone(),
                    value,
                },
                ApiKeyLocation::Query => HttpAuth::QueryKey {
                    name: name.clone(),
                    value,
                },
            }
        }
    }
}

/// The OAuth 2.0 client credentials grant, when configured.
fn oauth(auth: Option<&Auth>) -> Option<OAuth2> {
    match auth {
        Some(Auth::OAuth2ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scopes,
        }) => Some(OAuth2::new(
            token_url.clone(),
            client_id.clone(),
            Sensitive(client_secret.expose().to_owned()),
            scopes.clone(),
        )),
        _ => None,
    }
}

/// The HTTP driver's settings for the endpoint `base_url`.
fn http_config(config: &ProviderConfig, base_url: &url::Url) -> HttpConfig {
    let tls = HttpTls {
        ca_cert_pem: config.tls.ca_cert_pem.clone(),
        client_identity_pem: match (&config.tls.client_cert_pem, &config.tls.client_key_pem) {
            (Some(c), Some(k)) => Some(Sensitive(format!("{c}\n{}", k.expose()))),
            _ => None,
        },
        insecure_skip_verify: config.tls.insecure_skip_verify,
    };
    HttpConfig {
        headers: config.headers.clone().into_iter().collect(),
        auth: http_auth(config.auth.as_ref()),
        tls,
        retry_on_status: config.retry_on_status.clone(),
        max_response_bytes: config.max_response_bytes,
        user_agent: user_agent(config.cli_version.as_deref()),
        ..HttpConfig::new(base_url.clone())
    }
}

impl Client for HttpClient {
    fn build(config: &ProviderConfig, observers: &Observers) -> Result<Option<Self>, Diagnostics> {
        let Some(base_url) = &config.endpoint else {
            return Ok(None);
        };
        let mut engine = config.engine_config();
        if let Some(shared) = &config.shared_budget {
            engine.shared_budget = Some(shared_budget(config, shared)?);
        }
        match HttpDriver::new(http_config(config, base_url)) {
            Ok(d) => Ok(Some(HttpClient::new(
                Engine::new(d, engine, observers.clone()),
                oauth(config.auth.as_ref()),
            ))),
            Err(e) => {
                let mut diags = Diagnostics::new();
                diags.attribute_error(
                    super::AttributePath::root(crate::config::ProviderBlock::TLS),
                    "Unusable TLS settings",
                    e.to_string(),
                );
                Err(diags)
            }
        }
    }

    fn missing() -> Diagnostics {
        let mut d = Diagnostics::new();
        d.error(
            "No API endpoint configured",
            "driver_http_object needs the API's base URL: set endpoint in the provider \"driver\" \
             block, or the DRIVER_ENDPOINT environment variable.",
        );
        d
    }
}
