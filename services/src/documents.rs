//! A bounded cache of the application documents this process wrote last (and of those a deadline
//! sweep read ahead in one query), so that the next command on an application skips reading its
//! row and decoding its JSON.
//!
//! It is safe without any invalidation from other processes because a cached document is only
//! ever used as the *read* of a command: the store's version guard refuses the commit when another
//! writer moved the application on since, and the runtime then drops the entry and reads the
//! store. Memory stays bounded: two generations of at most `capacity / 2` documents each; when the
//! young one is full it becomes the old one and the old one is dropped, so recently used
//! documents stay and the rest go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use lianban_orchestrator::Application;
use uuid::Uuid;

/// The cache; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct DocumentCache {
    generation_size: usize,
    inner: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    young: HashMap<Uuid, Arc<Application>>,
    old: HashMap<Uuid, Arc<Application>>,
    /// Branch id → application id, for the documents held.
    young_branches: HashMap<Uuid, Uuid>,
    old_branches: HashMap<Uuid, Uuid>,
}

impl DocumentCache {
    /// A cache of at most `capacity` documents (0 turns it off).
    pub fn new(capacity: usize) -> Self {
        DocumentCache {
            generation_size: capacity / 2,
            inner: Mutex::new(Generations::default()),
        }
    }

    /// The document last written for `id`, if held.
    pub fn get(&self, id: Uuid) -> Option<Arc<Application>> {
        let mut generations = self.inner.lock().expect("document cache lock");
        if let Some(found) = generations.young.get(&id) {
            return Some(Arc::clone(found));
        }
        let found = generations.old.remove(&id)?;
        generations.promote(&found, self.generation_size);
        Some(found)
    }

    /// The application a branch belongs to, if its document is held.
    pub fn application_of_branch(&self, branch_id: Uuid) -> Option<Uuid> {
        let generations = self.inner.lock().expect("document cache lock");
        generations
            .young_branches
            .get(&branch_id)
            .or_else(|| generations.old_branches.get(&branch_id))
            .copied()
    }

    /// Holds the document just committed for its application, replacing an older one.
    pub fn put(&self, application: Arc<Application>) {
        if self.generation_size == 0 {
            return;
        }
        let mut generations = self.inner.lock().expect("document cache lock");
        generations.old.remove(&application.id);
        generations.promote(&application, self.generation_size);
    }

    /// Drops the document of `id`: it may be stale.
    pub fn forget(&self, id: Uuid) {
        let mut generations = self.inner.lock().expect("document cache lock");
        generations.young.remove(&id);
        generations.old.remove(&id);
    }

    /// Drops every document.
    pub fn clear(&self) {
        *self.inner.lock().expect("document cache lock") = Generations::default();
    }

    /// How many documents are held.
    pub fn len(&self) -> usize {
        let generations = self.inner.lock().expect("document cache lock");
        generations.young.len() + generations.old.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Generations {
    /// Puts `application` in the young generation, ageing the generations first when it is full.
    fn promote(&mut self, application: &Arc<Application>, generation_size: usize) {
        if self.young.len() >= generation_size && !self.young.contains_key(&application.id) {
            self.old = std::mem::take(&mut self.young);
            self.old_branches = std::mem::take(&mut self.young_branches);
        }
        for branch in &application.branches {
            self.young_branches.insert(branch.id, application.id);
        }
        self.young.insert(application.id, Arc::clone(application));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianban_orchestrator::application::{Applicant, ApplicantKind, Channel};
    use lianban_orchestrator::engine::{self, Submit};
    use lianban_orchestrator::{Calendar, Catalogue, Rules};

    fn application() -> Arc<Application> {
        let catalogue: Catalogue = crate::catalogue::sample().expect("sample catalogue");
        let calendar: Calendar = crate::calendar::load(&Default::default()).expect("calendar");
        let staffing = Default::default();
        let rules = Rules {
            catalogue: &catalogue,
            calendar: &calendar,
            staffing: &staffing,
        };
        let submit = Submit {
            application_id: Uuid::now_v7(),
            bundle_code: "kaiban-qiye".into(),
            applicant: Applicant {
                kind: ApplicantKind::NaturalPerson,
                name: "王小明".into(),
                id_number: "11010519491231002X".into(),
                phone: String::new(),
            },
            form: [
                "company_name",
                "registered_capital",
                "business_scope",
                "address",
                "legal_representative",
            ]
            .into_iter()
            .map(|field| (field.to_owned(), "值".to_owned()))
            .collect(),
            materials: Vec::new(),
            channel: Channel::OnSite,
            key_project_code: None,
            front_desk_clerk: "desk".into(),
        };
        let now = chrono::Utc::now();
        Arc::new(
            engine::submit(rules, submit, &mut Uuid::now_v7, now)
                .expect("submit")
                .application,
        )
    }

    #[test]
    fn holds_what_was_put_and_finds_its_branches() {
        let cache = DocumentCache::new(4);
        let app = application();
        cache.put(Arc::clone(&app));
        assert_eq!(cache.get(app.id).as_deref(), Some(&*app));
        let branch = app.branches[0].id;
        assert_eq!(cache.application_of_branch(branch), Some(app.id));
        cache.forget(app.id);
        assert!(cache.get(app.id).is_none());
        assert!(cache.get(Uuid::now_v7()).is_none());
    }

    #[test]
    fn never_holds_more_than_its_capacity_and_keeps_the_recently_used() {
        let cache = DocumentCache::new(4);
        let first = application();
        cache.put(Arc::clone(&first));
        let mut others = Vec::new();
        for _ in 0..10 {
            let other = application();
            cache.put(Arc::clone(&other));
            // Reading the first one keeps it young.
            assert!(cache.get(first.id).is_some(), "a document in use stays");
            others.push(other);
            assert!(cache.len() <= 4, "{} documents held", cache.len());
        }
        assert!(cache.get(others[0].id).is_none(), "an unused document goes");
        assert!(cache.get(others[9].id).is_some());
    }

    #[test]
    fn cleared_it_holds_nothing_and_finds_no_branch() {
        let cache = DocumentCache::new(8);
        let held = application();
        cache.put(Arc::clone(&held));
        cache.clear();
        assert!(cache.is_empty());
        assert!(cache.get(held.id).is_none());
        assert!(cache.application_of_branch(held.branches[0].id).is_none());
    }

    #[test]
    fn a_cache_of_nothing_holds_nothing() {
        let cache = DocumentCache::new(0);
        let app = application();
        cache.put(Arc::clone(&app));
        assert!(cache.is_empty());
        assert!(cache.get(app.id).is_none());
    }
}
