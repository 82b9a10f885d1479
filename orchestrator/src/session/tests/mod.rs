//! Tests of joint review sessions: the transition table, absence and its evidence, late notice,
//! and a property test over arbitrary sequences of session commands. They run on the engine's
//! fixtures, since a session reviews an application's branches.

mod closing;
mod fixtures;
mod properties;
