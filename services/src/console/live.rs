//! How many live feeds (server-sent events) the console holds open: a bound per person and in
//! all, so that a page left open in many tabs, or a script opening feeds, cannot hold the
//! server's broadcast and memory. A feed gives its slot back when its response body is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tonic::Code;

use super::refusal::Refused;

/// Open feeds, counted.
pub struct LiveFeeds {
    per_person: usize,
    in_all: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One open feed; dropping it frees the slot.
pub struct Slot {
    feeds: Arc<LiveFeeds>,
    person: String,
}

impl LiveFeeds {
    /// At most `per_person` feeds for one person and `in_all` in all.
    pub fn new(per_person: usize, in_all: usize) -> Arc<LiveFeeds> {
        Arc::new(LiveFeeds {
            per_person,
            in_all,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `person`, or the refusal naming the bound reached.
    pub fn take(self: &Arc<Self>, person: &str) -> Result<Slot, Refused> {
        let mut open = self.open.lock().expect("live feeds lock");
        let total: usize = open.values().sum();
        let mine = open.get(person).copied().unwrap_or(0);
        if mine >= self.per_person || total >= self.in_all {
            let key = if mine >= self.per_person {
                "console live feeds per person"
            } else {
                "console live feeds"
            };
            return Err(Refused::new(
                Code::ResourceExhausted,
                "LIMIT_EXCEEDED",
                format!("{key}: too many pages with live updates are open; close some"),
            ));
        }
        *open.entry(person.to_owned()).or_default() += 1;
        Ok(Slot {
            feeds: Arc::clone(self),
            person: person.to_owned(),
        })
    }

    fn give_back(&self, person: &str) {
        let mut open = self.open.lock().expect("live feeds lock");
        if let Some(count) = open.get_mut(person) {
            *count -= 1;
            if *count == 0 {
                open.remove(person);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.feeds.give_back(&self.person);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_holds_at_most_their_share_and_gets_it_back() {
        let feeds = LiveFeeds::new(2, 3);
        let first = feeds.take("a").unwrap();
        let _second = feeds.take("a").unwrap();
        let refused = feeds.take("a").err().expect("a third feed is refused");
        assert_eq!(refused.reason, "LIMIT_EXCEEDED");
        let _third = feeds.take("b").unwrap();
        assert!(feeds.take("c").is_err(), "the bound in all holds");
        drop(first);
        assert!(feeds.take("a").is_ok());
    }
}
