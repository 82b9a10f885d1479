//! Migration `m0007`: every stored application's ratings (好差评) from a star count to the
//! national record (GB/T 39046 表9 with the levels of A.8).
//!
//! A rating was `{stage, score, comment, at}` with `score` in stars, 5 best. It becomes
//! `{stage, satisfaction, channel, indicators, comment, clerk_id, rater, at}`:
//! - `satisfaction` is the national code, `6 - score`;
//! - `channel` is where such a rating was given: the front desk recorded every one, so an
//!   application taken at a window or by post was rated in the hall (`hall_other_terminal`,
//!   政务大厅其他终端) and one submitted online through the portal (`pc`, PC端), as
//!   `assumed_rating_channel` places a rating still sent without a channel;
//! - no indicators (none were asked), no rater (none was recorded);
//! - `clerk_id` is the clerk the application records for the stage: the front-desk clerk for the
//!   acceptance, the clerk who handed out for the dispatch.
//!
//! Only the documents change; the audit events are chained by hash and stay as they were written
//! (an old `rated` event keeps its `score` and has no `satisfaction`). The application's version
//! stays too: the change is of shape, not of content, and a caller's read version stays valid.
//! Documents are read and written in batches by id, so a large store never sits in memory whole.
//! Going down writes the old shape back (`score` = stars), for a rollback to an older server.

use lianban_orchestrator::application::{Channel, assumed_rating_channel};
use lianban_orchestrator::rating::Satisfaction;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use serde_json::{Map, Value};

/// Documents read and written per round.
const BATCH: u64 = 200;

/// Ratings to the national record.
pub(super) struct RatingsToTheNationalStandard;

// Named by hand: the derive names a migration after its file.
impl MigrationName for RatingsToTheNationalStandard {
    fn name(&self) -> &str {
        "m0007_ratings_to_the_national_standard"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RatingsToTheNationalStandard {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite_every_document(manager, to_national).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite_every_document(manager, to_stars).await
    }
}

/// How one document's ratings change: `Ok(true)` when any did.
type Rewrite = fn(&mut Map<String, Value>) -> Result<bool, String>;

/// Reads every application document in batches in id order and writes back the ones `rewrite`
/// changed.
async fn rewrite_every_document(
    manager: &SchemaManager<'_>,
    rewrite: Rewrite,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after = String::new();
    loop {
        let select = Query::select()
            .columns(["id", "document"])
            .from("applications")
            .and_where(Expr::col("id").gt(after.clone()))
            .order_by("id", Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.query_all(&select).await?;
        for row in &rows {
            let id: String = row.try_get("", "id")?;
            let document: String = row.try_get("", "document")?;
            if let Some(rewritten) = rewrite_document(&document, rewrite)
                .map_err(|problem| DbErr::Migration(format!("application {id}: {problem}")))?
            {
                let update = Query::update()
                    .table("applications")
                    .value("document", rewritten)
                    .and_where(Expr::col("id").eq(id.clone()))
                    .to_owned();
                db.execute(&update).await?;
            }
            after = id;
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}

/// The document with its ratings rewritten, or `None` when none changed.
fn rewrite_document(document: &str, rewrite: Rewrite) -> Result<Option<String>, String> {
    let mut value: Value =
        serde_json::from_str(document).map_err(|e| format!("unreadable document: {e}"))?;
    let Some(application) = value.as_object_mut() else {
        return Err("the document is not an object".to_owned());
    };
    if !rewrite(application)? {
        return Ok(None);
    }
    serde_json::to_string(&value)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Old-shape ratings (a `score`, no `satisfaction`) to the national record; new ones stay.
fn to_national(application: &mut Map<String, Value>) -> Result<bool, String> {
    let intake: Channel =
        serde_json::from_value(application.get("channel").cloned().unwrap_or(Value::Null))
            .map_err(|e| format!("no intake channel: {e}"))?;
    let channel = assumed_rating_channel(intake).code();
    let text = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(|s| Value::String(s.to_owned()))
            .unwrap_or(Value::Null)
    };
    let accepted_by = text(application.get("front_desk_clerk"));
    let handed_out_by = text(
        application
            .get("hand_over")
            .and_then(|h| h.get("handed_by")),
    );
    let Some(ratings) = application.get_mut("ratings").and_then(Value::as_array_mut) else {
        return Ok(false);
    };
    let mut changed = false;
    for rating in ratings.iter_mut().filter_map(Value::as_object_mut) {
        if rating.contains_key("satisfaction") {
            continue;
        }
        let stars = rating.remove("score").and_then(|s| s.as_u64());
        let level = stars
            .and_then(|s| <u8 as TryFrom<u64>>::try_from(s).ok())
            .and_then(Satisfaction::from_stars)
            .ok_or_else(|| format!("a rating's score {stars:?} is not 1 to 5 stars"))?;
        let clerk = match rating.get("stage").and_then(Value::as_str) {
            Some("acceptance") => accepted_by.clone(),
            Some("dispatch") => handed_out_by.clone(),
            other => return Err(format!("a rating's stage {other:?} is unknown")),
        };
        rating.insert("satisfaction".into(), level.code().into());
        rating.insert("channel".into(), channel.into());
        rating.insert("indicators".into(), Value::Array(Vec::new()));
        rating.insert("clerk_id".into(), clerk);
        rating.insert("rater".into(), Value::Null);
        changed = true;
    }
    Ok(changed)
}

/// National ratings back to stars, dropping what the old shape cannot hold.
fn to_stars(application: &mut Map<String, Value>) -> Result<bool, String> {
    let Some(ratings) = application.get_mut("ratings").and_then(Value::as_array_mut) else {
        return Ok(false);
    };
    let mut changed = false;
    for rating in ratings.iter_mut().filter_map(Value::as_object_mut) {
        let Some(code) = rating.remove("satisfaction") else {
            continue;
        };
        let level = code
            .as_u64()
            .and_then(|c| <u8 as TryFrom<u64>>::try_from(c).ok())
            .and_then(Satisfaction::from_code)
            .ok_or_else(|| format!("a rating's satisfaction {code} is not a code 1 to 5"))?;
        for key in ["channel", "indicators", "clerk_id", "rater"] {
            rating.remove(key);
        }
        rating.insert("score".into(), level.stars().into());
        changed = true;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn old_document(channel: &str) -> Value {
        json!({
            "channel": channel,
            "front_desk_clerk": "desk-1",
            "hand_over": {"handed_by": "window-3"},
            "ratings": [
                {"stage": "acceptance", "score": 2, "comment": "排队太久", "at": "2026-03-02T02:00:00Z"},
                {"stage": "dispatch", "score": 5, "comment": "", "at": "2026-03-09T02:00:00Z"}
            ]
        })
    }

    fn up(document: &Value) -> Value {
        let text = rewrite_document(&document.to_string(), to_national)
            .unwrap()
            .expect("changed");
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn old_ratings_take_the_code_the_channel_and_the_clerk_of_their_stage() {
        let new = up(&old_document("on_site"));
        assert_eq!(
            new["ratings"][0],
            json!({"stage": "acceptance", "satisfaction": 4, "channel": "hall_other_terminal",
                   "indicators": [], "comment": "排队太久", "clerk_id": "desk-1", "rater": null,
                   "at": "2026-03-02T02:00:00Z"})
        );
        assert_eq!(new["ratings"][1]["satisfaction"], 1);
        assert_eq!(new["ratings"][1]["clerk_id"], "window-3");
        assert_eq!(up(&old_document("online"))["ratings"][0]["channel"], "pc");
        assert_eq!(
            up(&old_document("post"))["ratings"][0]["channel"],
            "hall_other_terminal"
        );
    }

    #[test]
    fn a_migrated_document_is_left_alone_and_down_gives_the_stars_back() {
        let new = up(&old_document("online"));
        assert_eq!(rewrite_document(&new.to_string(), to_national), Ok(None));
        let back = rewrite_document(&new.to_string(), to_stars)
            .unwrap()
            .unwrap();
        let back: Value = serde_json::from_str(&back).unwrap();
        assert_eq!(back, old_document("online"));
    }

    #[test]
    fn a_score_out_of_range_stops_the_migration_with_the_reason() {
        let mut broken = old_document("on_site");
        broken["ratings"][0]["score"] = json!(9);
        let problem = rewrite_document(&broken.to_string(), to_national).unwrap_err();
        assert!(problem.contains("not 1 to 5 stars"), "{problem}");
        let none = json!({"channel": "on_site", "ratings": []});
        assert_eq!(rewrite_document(&none.to_string(), to_national), Ok(None));
    }
}
