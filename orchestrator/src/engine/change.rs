//! A command being carried out: what it is decided with, when, and what it has changed so far.
//!
//! Every command handler takes one [`Change`] instead of the same four arguments, so that the
//! dispatch in `execute` stays one call per command.

use chrono::{DateTime, Utc};

use crate::application::Application;
use crate::vocabulary::{Decision, Event, Rules};

/// The application a command works on (a copy: the current one is never touched), the events so
/// far, and what the command reads.
pub(super) struct Change<'a> {
    rules: Rules<'a>,
    now: DateTime<Utc>,
    application: Application,
    events: Vec<Event>,
}

impl<'a> Change<'a> {
    /// Starts a change of a copy of `current`.
    pub(super) fn of(rules: Rules<'a>, current: &Application, now: DateTime<Utc>) -> Self {
        Change {
            rules,
            now,
            application: current.clone(),
            events: Vec::new(),
        }
    }

    /// What a handler reads (the rules and the time) and writes (the application and events).
    pub(super) fn parts(
        &mut self,
    ) -> (Rules<'a>, &mut Application, DateTime<Utc>, &mut Vec<Event>) {
        (
            self.rules,
            &mut self.application,
            self.now,
            &mut self.events,
        )
    }

    /// How many events the change holds so far.
    pub(super) fn events_so_far(&self) -> usize {
        self.events.len()
    }

    /// The result: a new version of the application only when something happened.
    pub(super) fn into_decision(mut self) -> Decision {
        if !self.events.is_empty() {
            self.application.version += 1;
        }
        Decision {
            application: self.application,
            events: self.events,
        }
    }
}
