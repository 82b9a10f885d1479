//! Rating the service (好差评): the level is kept as its national code with its stars, the
//! indicators are those of the set the intake channel decides, each at most once, the clerk rated
//! is the one the application records for the stage, and a bad rating changes nothing.

use super::fixtures::{approve, at, decide, rules, submission};
use crate::application::{Application, Channel, HandOverMethod, RatingStage};
use crate::engine::{self, Command, Event, Verdict};
use crate::error::EngineError;
use crate::rating::{Indicator, IndicatorRating, Rater, RatingChannel, Satisfaction};

fn accepted(channel: Channel) -> Application {
    let mut submit = submission(&["id", "lease"]);
    submit.channel = channel;
    engine::submit(rules(), submit, &mut uuid::Uuid::now_v7, at(2))
        .unwrap()
        .application
}

fn rate(stage: RatingStage, satisfaction: Satisfaction) -> Command {
    Command::Rate {
        stage,
        satisfaction,
        channel: Some(RatingChannel::HallTablet),
        indicators: Vec::new(),
        comment: String::new(),
        rater: None,
    }
}

fn with_indicators(levels: &[(Indicator, Satisfaction)]) -> Command {
    Command::Rate {
        stage: RatingStage::Acceptance,
        satisfaction: Satisfaction::Satisfied,
        channel: Some(RatingChannel::QrCode),
        indicators: levels
            .iter()
            .map(|&(indicator, satisfaction)| IndicatorRating {
                indicator,
                satisfaction,
            })
            .collect(),
        comment: String::new(),
        rater: None,
    }
}

fn refused_field(application: &Application, command: Command) -> String {
    match engine::execute(rules(), application, command, at(3)) {
        Err(EngineError::InvalidArgument { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_rating_keeps_the_code_its_stars_and_the_accepting_clerk() {
    let application = accepted(Channel::OnSite);
    let decision = engine::execute(
        rules(),
        &application,
        rate(RatingStage::Acceptance, Satisfaction::Dissatisfied),
        at(3),
    )
    .unwrap();
    let rating = &decision.application.ratings[0];
    assert_eq!(rating.satisfaction.code(), 4);
    assert_eq!(rating.satisfaction.stars(), 2);
    assert!(rating.is_negative());
    assert!(!rating.is_real_name());
    assert_eq!(rating.channel, RatingChannel::HallTablet);
    assert_eq!(rating.clerk_id.as_deref(), Some("desk-1"));
    assert_eq!(
        decision.events,
        vec![Event::Rated {
            stage: RatingStage::Acceptance,
            score: 2,
            satisfaction: Some(Satisfaction::Dissatisfied),
            channel: Some(RatingChannel::HallTablet),
            clerk_id: Some("desk-1".into()),
        }]
    );
}

#[test]
fn the_dispatch_rating_is_about_the_clerk_who_handed_out() {
    let mut application = accepted(Channel::Online);
    for matter in ["register", "seal"] {
        application = decide(&application, matter, approve()).unwrap();
    }
    let consent = Verdict::Consent {
        comment: String::new(),
    };
    application = decide(&application, "fire-opinion", consent).unwrap();
    application = decide(&application, "engrave", approve()).unwrap();
    let dispatch = Command::Dispatch {
        method: HandOverMethod::Electronic,
        handed_by: "window-7".into(),
        recipient: String::new(),
        tracking_reference: String::new(),
    };
    let application = engine::execute(rules(), &application, dispatch, at(4))
        .unwrap()
        .application;
    let rated = engine::execute(
        rules(),
        &application,
        rate(RatingStage::Dispatch, Satisfaction::VerySatisfied),
        at(5),
    )
    .unwrap()
    .application;
    let rating = &rated.ratings[0];
    assert_eq!(rating.clerk_id.as_deref(), Some("window-7"));
    assert_eq!(rating.satisfaction.stars(), 5);
    assert!(!rating.is_negative());
}

#[test]
fn the_intake_channel_decides_the_indicator_set() {
    let on_site = accepted(Channel::OnSite);
    let by_post = accepted(Channel::Post);
    let online = accepted(Channel::Online);
    let hall = [
        (Indicator::Overall, Satisfaction::Satisfied),
        (Indicator::ServiceAttitude, Satisfaction::VeryDissatisfied),
    ];
    let web = [
        (Indicator::Overall, Satisfaction::Satisfied),
        (Indicator::PlatformUsability, Satisfaction::Dissatisfied),
    ];
    for application in [&on_site, &by_post] {
        let rated = engine::execute(rules(), application, with_indicators(&hall), at(3)).unwrap();
        assert_eq!(rated.application.ratings[0].indicators.len(), 2);
        assert_eq!(
            refused_field(application, with_indicators(&web)),
            "indicators[1].indicator"
        );
    }
    let rated = engine::execute(rules(), &online, with_indicators(&web), at(3)).unwrap();
    assert_eq!(
        rated.application.ratings[0].indicators[1].indicator,
        Indicator::PlatformUsability
    );
    assert_eq!(
        refused_field(&online, with_indicators(&hall)),
        "indicators[1].indicator"
    );
}

#[test]
fn bad_ratings_are_refused_with_the_field() {
    let application = accepted(Channel::OnSite);
    let twice = with_indicators(&[
        (Indicator::ServiceLevel, Satisfaction::Satisfied),
        (Indicator::Overall, Satisfaction::Satisfied),
        (Indicator::ServiceLevel, Satisfaction::Dissatisfied),
    ]);
    assert_eq!(
        refused_field(&application, twice),
        "indicators[2].indicator"
    );
    let with_rater = |name: &str, phone: &str| Command::Rate {
        stage: RatingStage::Acceptance,
        satisfaction: Satisfaction::Satisfied,
        channel: Some(RatingChannel::Sms),
        indicators: Vec::new(),
        comment: String::new(),
        rater: Some(Rater {
            name: name.into(),
            phone: phone.into(),
        }),
    };
    assert_eq!(
        refused_field(&application, with_rater("王小明", "call me")),
        "rater.phone"
    );
    let long = Command::Rate {
        stage: RatingStage::Acceptance,
        satisfaction: Satisfaction::Satisfied,
        channel: None,
        indicators: Vec::new(),
        comment: "长".repeat(2001),
        rater: None,
    };
    assert_eq!(refused_field(&application, long), "comment");
    let real_name = engine::execute(
        rules(),
        &application,
        with_rater(" 王小明 ", "13800138000"),
        at(3),
    )
    .unwrap()
    .application;
    assert!(real_name.ratings[0].is_real_name());
    assert_eq!(real_name.ratings[0].rater.as_ref().unwrap().name, "王小明");
    let blank = engine::execute(rules(), &application, with_rater(" ", ""), at(3))
        .unwrap()
        .application;
    assert_eq!(blank.ratings[0].rater, None, "a blank rater is anonymous");
}

#[test]
fn an_old_rated_event_still_reads_and_says_it_is_old() {
    let old: Event =
        serde_json::from_str(r#"{"kind":"rated","stage":"acceptance","score":5}"#).unwrap();
    let Event::Rated {
        score,
        satisfaction,
        channel,
        ..
    } = &old
    else {
        panic!("{old:?}")
    };
    assert_eq!((*score, *satisfaction, *channel), (5, None, None));
    assert_eq!(
        serde_json::to_string(&old).unwrap(),
        r#"{"kind":"rated","stage":"acceptance","score":5}"#,
        "an old event writes back as it was"
    );
    let new = Event::Rated {
        stage: RatingStage::Dispatch,
        score: 1,
        satisfaction: Some(Satisfaction::VeryDissatisfied),
        channel: Some(RatingChannel::Phone),
        clerk_id: None,
    };
    assert_eq!(
        serde_json::to_string(&new).unwrap(),
        r#"{"kind":"rated","stage":"dispatch","score":1,"satisfaction":5,"channel":"phone"}"#
    );
}

#[test]
fn a_rating_without_a_channel_is_placed_by_the_intake_channel() {
    let placed = |intake: Channel| {
        let command = Command::Rate {
            stage: RatingStage::Acceptance,
            satisfaction: Satisfaction::BasicallySatisfied,
            channel: None,
            indicators: Vec::new(),
            comment: String::new(),
            rater: None,
        };
        engine::execute(rules(), &accepted(intake), command, at(3))
            .unwrap()
            .application
            .ratings[0]
            .channel
    };
    assert_eq!(placed(Channel::OnSite), RatingChannel::HallOtherTerminal);
    assert_eq!(placed(Channel::Post), RatingChannel::HallOtherTerminal);
    assert_eq!(placed(Channel::Online), RatingChannel::Pc);
}
