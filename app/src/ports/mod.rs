//! Service ports: what the application needs from the outside world, implemented by the server's
//! adapters and handed to server functions through Leptos context.
mod system_probe;

pub use system_probe::{SharedSystemProbe, SystemProbe};
