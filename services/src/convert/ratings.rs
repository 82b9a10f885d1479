//! Ratings (好差评) on the wire: a rating request becomes the engine's command, a rating its view.
//!
//! The level travels as its national code (`satisfaction`); clients written before it send stars
//! (`score`), which still work. Both given must agree, so a client that fills both by mistake is
//! told rather than recorded with a level it did not mean.

use lianban_orchestrator::Command;
use lianban_orchestrator::application::{Rating, RatingStage};
use lianban_orchestrator::rating::{
    Indicator, IndicatorRating, Rater, RatingChannel, Satisfaction,
};
use lianban_proto::v1 as pb;

use super::fields::timestamp;
use crate::error::Error;

/// The engine's rating command from a request; every refusal names its field.
pub fn rating_command(request: &pb::RateServiceRequest) -> Result<Command, Error> {
    let satisfaction = level(request.satisfaction, request.score)?;
    let channel = match request.channel {
        0 if request.satisfaction == 0 => None,
        value => Some(rating_channel(value)?),
    };
    let indicators = request
        .indicators
        .iter()
        .enumerate()
        .map(|(index, rated)| {
            Ok(IndicatorRating {
                indicator: indicator(index, rated.indicator)?,
                satisfaction: satisfaction_code(
                    &format!("indicators[{index}].satisfaction"),
                    rated.satisfaction,
                )?
                .ok_or_else(|| {
                    Error::invalid(
                        format!("indicators[{index}].satisfaction"),
                        "required: a level 1 (非常满意) to 5 (非常不满意)",
                    )
                })?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Command::Rate {
        stage: rating_stage(request.stage)?,
        satisfaction,
        channel,
        indicators,
        comment: request.comment.trim().to_owned(),
        rater: request.rater.as_ref().map(|r| Rater {
            name: r.name.clone(),
            phone: r.phone.clone(),
        }),
    })
}

/// A rating's stage from the wire; only acceptance and dispatch are rated.
pub fn rating_stage(value: i32) -> Result<RatingStage, Error> {
    match pb::RatingStage::try_from(value) {
        Ok(pb::RatingStage::Acceptance) => Ok(RatingStage::Acceptance),
        Ok(pb::RatingStage::Dispatch) => Ok(RatingStage::Dispatch),
        _ => Err(Error::invalid("stage", "required: acceptance or dispatch")),
    }
}

/// The level a request gives: its national code, or the stars of a client written before it;
/// both given must agree.
fn level(satisfaction: i32, score: u32) -> Result<Satisfaction, Error> {
    let by_code = satisfaction_code("satisfaction", satisfaction)?;
    let by_stars = match score {
        0 => None,
        stars => Some(
            u8::try_from(stars)
                .ok()
                .and_then(Satisfaction::from_stars)
                .ok_or_else(|| Error::invalid("score", "1 (very poor) to 5 (very good)"))?,
        ),
    };
    match (by_code, by_stars) {
        (Some(code), Some(stars)) if code != stars => Err(Error::invalid(
            "score",
            format!(
                "{score} stars disagree with satisfaction {} ({}): stars are 6 - the code",
                code.code(),
                code.name_zh()
            ),
        )),
        (Some(level), _) | (None, Some(level)) => Ok(level),
        (None, None) => Err(Error::invalid(
            "satisfaction",
            "required: a level 1 (非常满意) to 5 (非常不满意), or the score in stars",
        )),
    }
}

/// A level from the wire: `None` when not given, refused when no level has the number.
fn satisfaction_code(field: &str, value: i32) -> Result<Option<Satisfaction>, Error> {
    if value == 0 {
        return Ok(None);
    }
    u8::try_from(value)
        .ok()
        .and_then(Satisfaction::from_code)
        .map(Some)
        .ok_or_else(|| Error::invalid(field, "a level 1 (非常满意) to 5 (非常不满意)"))
}

fn rating_channel(value: i32) -> Result<RatingChannel, Error> {
    let channel = match pb::RatingChannel::try_from(value) {
        Ok(pb::RatingChannel::Pc) => RatingChannel::Pc,
        Ok(pb::RatingChannel::Mobile) => RatingChannel::Mobile,
        Ok(pb::RatingChannel::QrCode) => RatingChannel::QrCode,
        Ok(pb::RatingChannel::HallTablet) => RatingChannel::HallTablet,
        Ok(pb::RatingChannel::HallOtherTerminal) => RatingChannel::HallOtherTerminal,
        Ok(pb::RatingChannel::Phone) => RatingChannel::Phone,
        Ok(pb::RatingChannel::Sms) => RatingChannel::Sms,
        _ => {
            return Err(Error::invalid(
                "channel",
                "required: where the rating was given (评价渠道)",
            ));
        }
    };
    Ok(channel)
}

fn indicator(index: usize, value: i32) -> Result<Indicator, Error> {
    let indicator = match pb::RatingIndicator::try_from(value) {
        Ok(pb::RatingIndicator::Overall) => Indicator::Overall,
        Ok(pb::RatingIndicator::ServiceEfficiency) => Indicator::ServiceEfficiency,
        Ok(pb::RatingIndicator::ServiceLevel) => Indicator::ServiceLevel,
        Ok(pb::RatingIndicator::ServiceAttitude) => Indicator::ServiceAttitude,
        Ok(pb::RatingIndicator::HandlingEfficiency) => Indicator::HandlingEfficiency,
        Ok(pb::RatingIndicator::GuideAccuracy) => Indicator::GuideAccuracy,
        Ok(pb::RatingIndicator::Convenience) => Indicator::Convenience,
        Ok(pb::RatingIndicator::PlatformUsability) => Indicator::PlatformUsability,
        _ => {
            return Err(Error::invalid(
                format!("indicators[{index}].indicator"),
                "required: one of the national indicators",
            ));
        }
    };
    Ok(indicator)
}

fn indicator_to_wire(indicator: Indicator) -> pb::RatingIndicator {
    match indicator {
        Indicator::Overall => pb::RatingIndicator::Overall,
        Indicator::ServiceEfficiency => pb::RatingIndicator::ServiceEfficiency,
        Indicator::ServiceLevel => pb::RatingIndicator::ServiceLevel,
        Indicator::ServiceAttitude => pb::RatingIndicator::ServiceAttitude,
        Indicator::HandlingEfficiency => pb::RatingIndicator::HandlingEfficiency,
        Indicator::GuideAccuracy => pb::RatingIndicator::GuideAccuracy,
        Indicator::Convenience => pb::RatingIndicator::Convenience,
        Indicator::PlatformUsability => pb::RatingIndicator::PlatformUsability,
    }
}

fn channel_to_wire(channel: RatingChannel) -> pb::RatingChannel {
    match channel {
        RatingChannel::Pc => pb::RatingChannel::Pc,
        RatingChannel::Mobile => pb::RatingChannel::Mobile,
        RatingChannel::QrCode => pb::RatingChannel::QrCode,
        RatingChannel::HallTablet => pb::RatingChannel::HallTablet,
        RatingChannel::HallOtherTerminal => pb::RatingChannel::HallOtherTerminal,
        RatingChannel::Phone => pb::RatingChannel::Phone,
        RatingChannel::Sms => pb::RatingChannel::Sms,
    }
}

/// A level on the wire: the enum's numbers are the national codes.
pub fn satisfaction_to_wire(level: Satisfaction) -> i32 {
    i32::from(level.code())
}

/// A service rating on the wire, its rater in clear (the caller's view masks it).
pub fn rating_to_wire(rating: &Rating) -> pb::RatingView {
    pb::RatingView {
        stage: match rating.stage {
            RatingStage::Acceptance => pb::RatingStage::Acceptance,
            RatingStage::Dispatch => pb::RatingStage::Dispatch,
        } as i32,
        score: u32::from(rating.satisfaction.stars()),
        comment: rating.comment.clone(),
        at: Some(timestamp(rating.at)),
        satisfaction: satisfaction_to_wire(rating.satisfaction),
        satisfaction_name: rating.satisfaction.name_zh().to_owned(),
        channel: channel_to_wire(rating.channel) as i32,
        channel_name: rating.channel.name_zh().to_owned(),
        indicators: rating
            .indicators
            .iter()
            .map(|rated| pb::IndicatorRating {
                indicator: indicator_to_wire(rated.indicator) as i32,
                satisfaction: satisfaction_to_wire(rated.satisfaction),
            })
            .collect(),
        clerk_id: rating.clerk_id.clone().unwrap_or_default(),
        rater: rating.rater.as_ref().map(|r| pb::Rater {
            name: r.name.clone(),
            phone: r.phone.clone(),
        }),
        negative: rating.is_negative(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(satisfaction: i32, score: u32) -> pb::RateServiceRequest {
        pb::RateServiceRequest {
            application_id: "x".into(),
            stage: pb::RatingStage::Acceptance as i32,
            satisfaction,
            score,
            channel: pb::RatingChannel::Phone as i32,
            ..Default::default()
        }
    }

    fn refused(request: &pb::RateServiceRequest) -> String {
        match rating_command(request) {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn level_of(request: &pb::RateServiceRequest) -> Satisfaction {
        match rating_command(request).unwrap() {
            Command::Rate { satisfaction, .. } => satisfaction,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_level_comes_from_the_code_or_the_stars_and_both_must_agree() {
        for level in Satisfaction::ALL {
            let code = i32::from(level.code());
            let stars = u32::from(level.stars());
            assert_eq!(level_of(&request(code, 0)), level);
            assert_eq!(level_of(&request(0, stars)), level);
            assert_eq!(level_of(&request(code, stars)), level);
        }
        assert_eq!(refused(&request(1, 1)), "score");
        assert_eq!(refused(&request(0, 0)), "satisfaction");
        assert_eq!(refused(&request(6, 0)), "satisfaction");
        assert_eq!(refused(&request(0, 6)), "score");
    }

    #[test]
    fn a_new_style_rating_names_its_channel_and_an_old_style_one_may_not() {
        let mut new_style = request(2, 0);
        new_style.channel = 0;
        assert_eq!(refused(&new_style), "channel");
        let mut old_style = request(0, 4);
        old_style.channel = 0;
        assert!(matches!(
            rating_command(&old_style).unwrap(),
            Command::Rate { channel: None, .. }
        ));
        let mut unknown = request(2, 0);
        unknown.channel = 99;
        assert_eq!(refused(&unknown), "channel");
    }

    #[test]
    fn an_indicator_needs_a_known_name_and_a_level() {
        let mut bad = request(2, 0);
        bad.indicators = vec![
            pb::IndicatorRating {
                indicator: pb::RatingIndicator::Overall as i32,
                satisfaction: 1,
            },
            pb::IndicatorRating {
                indicator: pb::RatingIndicator::ServiceLevel as i32,
                satisfaction: 0,
            },
        ];
        assert_eq!(refused(&bad), "indicators[1].satisfaction");
        bad.indicators[1].satisfaction = 3;
        bad.indicators[0].indicator = 0;
        assert_eq!(refused(&bad), "indicators[0].indicator");
    }
}
