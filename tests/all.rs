//! The one integration-test binary: each area adds a module here.
//! Tests use the crates only through their public APIs.

/// The example tool server's router, shared by the tests that serve it.
#[path = "../examples/lti_tool_server/app.rs"]
mod example_tool_app;
mod lti_browser_storage;
mod lti_dynamic_registration;
mod lti_interop_tool;
mod lti_platform_flow;
mod lti_platform_pair;
mod lti_platform_security;
mod lti_tool_flow;
mod lti_tool_security;
mod lti_tool_support;
mod mis_engine;
mod oneroster_hostile;
mod oneroster_samples;
