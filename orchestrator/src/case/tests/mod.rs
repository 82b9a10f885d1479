//! Tests of cases: the transition table, each kind's way to its closing, escalation, and a
//! property test over arbitrary sequences of case commands.

mod fixtures;
mod flows;
mod properties;
