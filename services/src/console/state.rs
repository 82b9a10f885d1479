//! What every console request shares: the runtime, the gRPC handlers it calls in process, the
//! authenticator that proves tokens, how people sign in, and the development key.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use super::cookies::Key;
use super::live::LiveFeeds;
use lianban_orchestrator::assessment::AssessmentWeights;

use crate::api::{
    AssessmentApi, CatalogApi, IntakeApi, NotificationApi, ProjectApi, SessionApi, StatisticsApi,
    SupervisionApi, TaskApi,
};
use crate::console_settings::{ConsoleConfig, OidcConfig, SignIn};
use crate::identity::Authenticator;
use crate::runtime::Runtime;

/// Live feeds one person may hold open (a few tabs).
const LIVE_FEEDS_PER_PERSON: usize = 8;
/// Live feeds the console holds open in all.
const LIVE_FEEDS_IN_ALL: usize = 1024;

/// The gRPC handlers the console calls, the same objects' types the gRPC server serves.
pub struct Handlers {
    /// Applications.
    pub intake: IntakeApi,
    /// Department queues and commands.
    pub tasks: TaskApi,
    /// Key projects.
    pub projects: ProjectApi,
    /// Warnings, extensions, digests, the trail.
    pub supervision: SupervisionApi,
    /// Statistics.
    pub statistics: StatisticsApi,
    /// The monthly assessment.
    pub assessment: AssessmentApi,
    /// Joint review sessions.
    pub sessions: SessionApi,
    /// The catalogue (departments and bundles for filters).
    pub catalog: CatalogApi,
    /// Notices of an application.
    pub notifications: NotificationApi,
}

/// The console's shared state.
pub struct Console {
    /// The runtime (calendar and clock for display).
    pub runtime: Runtime,
    /// The handlers.
    pub handlers: Handlers,
    /// Proves tokens and checks departments, as for gRPC calls.
    pub authenticator: Arc<Authenticator>,
    /// How people sign in.
    pub sign_in: SignIn,
    /// The provider, when people sign in through one.
    pub oidc: Option<OidcConfig>,
    /// The provider's client secret, read at start-up.
    pub client_secret: Option<String>,
    /// The CA bundle trusted for the provider's token endpoint.
    pub token_ca: Option<std::path::PathBuf>,
    /// Signs development sessions.
    pub key: Key,
    /// Whether cookies are `Secure`.
    pub secure: bool,
    /// The open live feeds.
    pub live: Arc<LiveFeeds>,
    config: ConsoleConfig,
    bound: OnceLock<SocketAddr>,
}

impl Console {
    /// The console over `runtime`, checked against the server's identity settings; `None` when
    /// it is not served.
    pub fn new(
        config: &ConsoleConfig,
        runtime: Runtime,
        authenticator: Arc<Authenticator>,
        authentication_on: bool,
        jwks_ca: Option<std::path::PathBuf>,
        weights: AssessmentWeights,
    ) -> Result<Option<Console>, crate::error::Error> {
        let Some(sign_in) = config.sign_in(authenticator.verifies_tokens(), authentication_on)?
        else {
            return Ok(None);
        };
        let client_secret = match &config.oidc {
            Some(oidc) => oidc.client_secret()?,
            None => None,
        };
        let token_ca = config
            .oidc
            .as_ref()
            .and_then(|o| o.token_ca.clone())
            .or(jwks_ca);
        Ok(Some(Console {
            handlers: Handlers {
                intake: IntakeApi::new(runtime.clone()),
                tasks: TaskApi::new(runtime.clone()),
                projects: ProjectApi::new(runtime.clone()),
                supervision: SupervisionApi::new(runtime.clone()),
                statistics: StatisticsApi::new(runtime.clone()),
                assessment: AssessmentApi::new(runtime.clone(), weights),
                sessions: SessionApi::new(runtime.clone()),
                catalog: CatalogApi::new(runtime.clone()),
                notifications: NotificationApi::new(runtime.clone()),
            },
            runtime,
            authenticator,
            sign_in,
            oidc: config.oidc.clone(),
            client_secret,
            token_ca,
            key: Key::generate(),
            secure: config.secure_cookies(),
            live: LiveFeeds::new(LIVE_FEEDS_PER_PERSON, LIVE_FEEDS_IN_ALL),
            config: config.clone(),
            bound: OnceLock::new(),
        }))
    }

    /// Records where the console listens (known once bound).
    pub fn bound_at(&self, address: SocketAddr) {
        let _ = self.bound.set(address);
    }

    /// The address browsers open, without a trailing slash.
    pub fn public_url(&self) -> String {
        let bound = self.bound.get().copied().unwrap_or(self.config.listen);
        self.config.public_url(bound)
    }
}
