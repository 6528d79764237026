use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global structured logger. Fails on a filter that does not parse, rather than
/// silently logging nothing.
pub fn init(filter: &str, format: LogFormat) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter)
        .map_err(|error| format!("invalid log filter {filter:?}: {error}"))?;
    let builder = fmt().with_env_filter(filter).with_target(true);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|error| format!("could not install the logger: {error}"))
}
