//! The process's log subscriber: text or JSON lines, and, when telemetry is on, the same spans
//! and logs to OpenTelemetry.

use opentelemetry_sdk::trace::SdkTracer;

use crate::error::Error;

/// Installs the process's log subscriber: text or JSON lines to `writer`, filtered by `filter`,
/// and — when telemetry is on — every span and log also to OpenTelemetry (without the transport
/// crates' own spans, which would feed back into the exporter).
pub fn init_logging<W>(
    filter: &str,
    json: bool,
    tracer: Option<SdkTracer>,
    writer: W,
) -> Result<(), Error>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{EnvFilter, Layer};
    let env_filter =
        EnvFilter::try_new(filter).map_err(|e| Error::Config(format!("log_filter: {e}")))?;
    let fmt: Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync> = if json {
        Box::new(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                .with_writer(writer),
        )
    } else {
        Box::new(tracing_subscriber::fmt::layer().with_writer(writer))
    };
    let otel = tracer.map(|tracer| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(EnvFilter::new(
                "info,h2=off,hyper=off,hyper_util=off,tonic=off,tower=off,sqlx=off",
            ))
    });
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .with(env_filter)
        .try_init()
        .map_err(|e| Error::Config(format!("logging: {e}")))
}
