//! Browser tests of the web console: each test starts its own server (console on 127.0.0.1:0),
//! its own fake OpenID Connect provider and a headless Chromium, and checks what people see and
//! do in the console against what the same server answers over gRPC.

mod harness;
