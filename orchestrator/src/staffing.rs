//! Posts and clerks (AB岗): every post handles some matters of one department, with a principal
//! clerk (A) and ordered backups (B1, B2…). A branch goes to the first available of them; when a
//! clerk is away their branches pass to the next available one; when nobody is, the branch is
//! escalated to supervision rather than parked silently.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One post of a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// The department.
    pub department: String,
    /// The post's code within the department.
    pub code: String,
    /// Matter codes the post handles.
    pub matters: Vec<String>,
    /// The principal clerk (A岗).
    pub a: String,
    /// The backups in order (B岗).
    #[serde(default)]
    pub b: Vec<String>,
}

impl Post {
    /// Whether `clerk` is the post's A clerk or one of its B clerks.
    pub fn has_clerk(&self, clerk: &str) -> bool {
        self.a == clerk || self.b.iter().any(|b| b == clerk)
    }
}

/// Who should hold a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// No post handles the matter: the department's common queue.
    NoPost,
    /// This clerk of this post.
    Clerk {
        /// The post.
        post: String,
        /// The clerk.
        clerk: String,
    },
    /// The post's clerks are all away.
    Nobody {
        /// The post.
        post: String,
    },
}

/// Every post and who is away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Staffing {
    posts: Vec<Post>,
    away: BTreeSet<(String, String)>,
}

impl Staffing {
    /// Staffing with these posts, nobody away.
    pub fn new(posts: Vec<Post>) -> Self {
        Staffing {
            posts,
            away: BTreeSet::new(),
        }
    }

    /// Adds or replaces a post (by department and code).
    pub fn declare(&mut self, post: Post) {
        self.posts
            .retain(|p| !(p.department == post.department && p.code == post.code));
        self.posts.push(post);
    }

    /// Marks a clerk of a department away or back.
    pub fn set_away(&mut self, department: &str, clerk: &str, away: bool) {
        let key = (department.to_owned(), clerk.to_owned());
        if away {
            self.away.insert(key);
        } else {
            self.away.remove(&key);
        }
    }

    /// Whether a clerk is away.
    pub fn is_away(&self, department: &str, clerk: &str) -> bool {
        self.away
            .contains(&(department.to_owned(), clerk.to_owned()))
    }

    /// Every post.
    pub fn posts(&self) -> &[Post] {
        &self.posts
    }

    /// The post of `department` that handles `matter`, if it declared one.
    pub fn post_for(&self, department: &str, matter: &str) -> Option<&Post> {
        self.posts
            .iter()
            .find(|p| p.department == department && p.matters.iter().any(|m| m == matter))
    }

    /// Who should hold a branch of `matter` in `department`: the post's A clerk, or the first
    /// available B.
    pub fn assign(&self, department: &str, matter: &str) -> Assignment {
        let Some(post) = self.post_for(department, matter) else {
            return Assignment::NoPost;
        };
        std::iter::once(&post.a)
            .chain(post.b.iter())
            .find(|clerk| !self.is_away(department, clerk))
            .map_or_else(
                || Assignment::Nobody {
                    post: post.code.clone(),
                },
                |clerk| Assignment::Clerk {
                    post: post.code.clone(),
                    clerk: clerk.clone(),
                },
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staffing() -> Staffing {
        Staffing::new(vec![Post {
            department: "scjg".into(),
            code: "dengji".into(),
            matters: vec!["scjg-qiye-sheli".into()],
            a: "zhang".into(),
            b: vec!["li".into(), "wang".into()],
        }])
    }

    #[test]
    fn the_first_available_clerk_of_the_post_is_chosen() {
        let mut staffing = staffing();
        let clerk = |s: &Staffing| s.assign("scjg", "scjg-qiye-sheli");
        assert_eq!(
            clerk(&staffing),
            Assignment::Clerk {
                post: "dengji".into(),
                clerk: "zhang".into()
            }
        );
        staffing.set_away("scjg", "zhang", true);
        assert_eq!(
            clerk(&staffing),
            Assignment::Clerk {
                post: "dengji".into(),
                clerk: "li".into()
            }
        );
        staffing.set_away("scjg", "li", true);
        staffing.set_away("scjg", "wang", true);
        assert_eq!(
            clerk(&staffing),
            Assignment::Nobody {
                post: "dengji".into()
            }
        );
        staffing.set_away("scjg", "li", false);
        assert_eq!(
            clerk(&staffing),
            Assignment::Clerk {
                post: "dengji".into(),
                clerk: "li".into()
            }
        );
        assert_eq!(staffing.assign("scjg", "other"), Assignment::NoPost);
        assert_eq!(
            staffing.assign("gaj", "scjg-qiye-sheli"),
            Assignment::NoPost
        );
    }
}
