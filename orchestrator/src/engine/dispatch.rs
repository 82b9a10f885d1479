//! The end of an application at the front desk: the dispatch window hands every result over at
//! once (统一出件), and the applicant rates the service (好差评).

use super::change::Change;
use super::transitions::move_application;
use crate::application::{
    HandOver, HandOverMethod, HandedResult, Rating, RatingStage, assumed_rating_channel,
};
use crate::error::EngineError;
use crate::identity::is_plausible_phone;
use crate::machine::{ApplicationState, ApplicationTrigger};
use crate::rating::{IndicatorRating, IndicatorSet, Rater, RatingChannel, Satisfaction};
use crate::vocabulary::{Event, limit_text, require_text};

/// The dispatch window hands every result over: in person, by post or electronically.
pub(super) fn dispatch(
    change: &mut Change<'_>,
    method: HandOverMethod,
    handed_by: String,
    recipient: String,
    tracking_reference: String,
) -> Result<(), EngineError> {
    let (_, application, now, events) = change.parts();
    let mut hand_over = HandOver {
        method,
        handed_by,
        recipient,
        tracking_reference,
        handed_at: now,
        results: Vec::new(),
    };
    require_text("handed_by", &hand_over.handed_by)?;
    if matches!(
        hand_over.method,
        HandOverMethod::OnSite | HandOverMethod::Post
    ) {
        require_text("recipient", &hand_over.recipient)?;
    }
    if hand_over.method == HandOverMethod::Post {
        require_text("tracking_reference", &hand_over.tracking_reference)?;
    }
    move_application(application, ApplicationTrigger::Dispatch)?;
    if hand_over.method == HandOverMethod::OnSite {
        application.visits += 1;
    }
    hand_over.results = application
        .branches
        .iter()
        .filter_map(|branch| {
            branch.outcome.clone().map(|outcome| HandedResult {
                branch_id: branch.id,
                matter_code: branch.matter_code.clone(),
                outcome,
            })
        })
        .collect();
    application.hand_over = Some(hand_over);
    events.push(Event::Dispatched);
    Ok(())
}

/// The applicant rates the service once at acceptance and once at dispatch: a level, the channel
/// it came through, optionally the national indicators of the set the intake channel decides,
/// a comment and who rated. The clerk rated is the one the application records for the stage.
pub(super) fn rate(change: &mut Change<'_>, rating: NewRating) -> Result<(), EngineError> {
    let (_, application, now, events) = change.parts();
    check_indicators(application.indicator_set(), &rating.indicators)?;
    limit_text("comment", &rating.comment)?;
    let rater = check_rater(rating.rater)?;
    move_application(application, ApplicationTrigger::Rate)?;
    if rating.stage == RatingStage::Dispatch && application.state != ApplicationState::Dispatched {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: "rate the dispatch before it happened",
        });
    }
    if application.ratings.iter().any(|r| r.stage == rating.stage) {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: "already rated at this stage",
            command: "rate it again",
        });
    }
    let rating = Rating {
        stage: rating.stage,
        satisfaction: rating.satisfaction,
        channel: rating
            .channel
            .unwrap_or_else(|| assumed_rating_channel(application.channel)),
        indicators: rating.indicators,
        comment: rating.comment,
        clerk_id: application.clerk_rated_at(rating.stage),
        rater,
        at: now,
    };
    events.push(Event::Rated {
        stage: rating.stage,
        score: rating.satisfaction.stars(),
        satisfaction: Some(rating.satisfaction),
        channel: Some(rating.channel),
        clerk_id: rating.clerk_id.clone(),
    });
    application.ratings.push(rating);
    Ok(())
}

/// What the applicant gives when rating; the engine adds the clerk and the time.
pub(super) struct NewRating {
    pub(super) stage: RatingStage,
    pub(super) satisfaction: Satisfaction,
    pub(super) channel: Option<RatingChannel>,
    pub(super) indicators: Vec<IndicatorRating>,
    pub(super) comment: String,
    pub(super) rater: Option<Rater>,
}

/// Refuses an indicator of the other set (the national sets are fixed) and one rated twice.
fn check_indicators(set: IndicatorSet, indicators: &[IndicatorRating]) -> Result<(), EngineError> {
    for (index, rated) in indicators.iter().enumerate() {
        let field = format!("indicators[{index}].indicator");
        if !set.contains(rated.indicator) {
            return Err(EngineError::invalid(
                field,
                format!(
                    "{} is not an indicator of {}, which this application's intake channel rates",
                    rated.indicator.name_zh(),
                    set.name_zh()
                ),
            ));
        }
        if indicators[..index]
            .iter()
            .any(|earlier| earlier.indicator == rated.indicator)
        {
            return Err(EngineError::invalid(
                field,
                format!("{} is rated twice", rated.indicator.name_zh()),
            ));
        }
    }
    Ok(())
}

/// The rater, trimmed: `None` when neither a name nor a phone was given; a phone must look like
/// one.
fn check_rater(rater: Option<Rater>) -> Result<Option<Rater>, EngineError> {
    let Some(rater) = rater else {
        return Ok(None);
    };
    let rater = Rater {
        name: rater.name.trim().to_owned(),
        phone: rater.phone.trim().to_owned(),
    };
    if rater.name.is_empty() && rater.phone.is_empty() {
        return Ok(None);
    }
    limit_text("rater.name", &rater.name)?;
    if !rater.phone.is_empty() && !is_plausible_phone(&rater.phone) {
        return Err(EngineError::invalid(
            "rater.phone",
            "not a phone number: 5 to 20 digits",
        ));
    }
    Ok(Some(rater))
}
