//! Ratings (好差评) to the national standard over real gRPC: a level by its national code with
//! its stars and name, the channel it came through, the indicators of the set the intake channel
//! decides, the window clerk rated and a rater masked for whoever does not need it; a client that
//! still sends stars; bad ratings refused with the field and nothing changed; the statistics'
//! count per level and of negative reviews; and the migration that brings stored ratings to the
//! new shape.

use lianban_orchestrator::application::{Application, RatingStage};
use lianban_orchestrator::rating::{RatingChannel, Satisfaction};
use lianban_proto::v1 as pb;
use lianban_services::store::Store;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;
use uuid::Uuid;

use crate::credentials::{Credentials, bearer};
use crate::identity::{secure, submitted};
use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_national_rating_reads_back_with_its_code_stars_names_clerk_and_a_masked_rater,
    bad_ratings_are_refused_with_the_field_and_change_nothing,
    a_client_sending_stars_still_rates_and_statistics_count_each_level,
    stored_ratings_in_stars_are_migrated_to_the_national_shape,
);

fn indicator(
    indicator: pb::RatingIndicator,
    satisfaction: pb::Satisfaction,
) -> pb::IndicatorRating {
    pb::IndicatorRating {
        indicator: indicator as i32,
        satisfaction: satisfaction as i32,
    }
}

/// A rating of the acceptance with a level, a channel and no indicators.
fn national(application_id: &str, satisfaction: pb::Satisfaction) -> pb::RateServiceRequest {
    pb::RateServiceRequest {
        application_id: application_id.into(),
        stage: pb::RatingStage::Acceptance as i32,
        satisfaction: satisfaction as i32,
        channel: pb::RatingChannel::HallTablet as i32,
        ..Default::default()
    }
}

async fn a_national_rating_reads_back_with_its_code_stars_names_clerk_and_a_masked_rater(
    backend: Backend,
) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let application = submitted(&server, &credentials).await;
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    let mut intake = pb::intake_service_client::IntakeServiceClient::new(desk);
    let mut request = national(&application.id, pb::Satisfaction::Dissatisfied);
    request.comment = "排队太久".into();
    request.indicators = vec![
        indicator(pb::RatingIndicator::Overall, pb::Satisfaction::Satisfied),
        indicator(
            pb::RatingIndicator::ServiceAttitude,
            pb::Satisfaction::VeryDissatisfied,
        ),
    ];
    request.rater = Some(pb::Rater {
        name: "王小明".into(),
        phone: "13800138000".into(),
    });
    let rated = intake.rate_service(request).await.unwrap().into_inner();
    let rating = &rated.ratings[0];
    assert_eq!(
        (
            rating.satisfaction,
            rating.score,
            rating.satisfaction_name.as_str(),
            rating.negative
        ),
        (pb::Satisfaction::Dissatisfied as i32, 2, "不满意", true)
    );
    assert_eq!(
        rating.satisfaction, 4,
        "the wire number is the national code"
    );
    assert_eq!(
        (rating.channel, rating.channel_name.as_str()),
        (pb::RatingChannel::HallTablet as i32, "政务大厅平板电脑")
    );
    assert_eq!(rating.clerk_id, application.front_desk_clerk);
    assert!(!rating.clerk_id.is_empty());
    let levels: Vec<(i32, i32)> = rating
        .indicators
        .iter()
        .map(|i| (i.indicator, i.satisfaction))
        .collect();
    assert_eq!(
        levels,
        vec![
            (pb::RatingIndicator::Overall as i32, 2),
            (pb::RatingIndicator::ServiceAttitude as i32, 5)
        ]
    );
    assert_eq!(rating.comment, "排队太久");
    let in_clear = rating.rater.clone().unwrap();
    assert_eq!(
        (in_clear.name.as_str(), in_clear.phone.as_str()),
        ("王小明", "13800138000"),
        "the front desk that took the rating sees its rater"
    );
    let anonymous = credentials.channel(server.address, None).await;
    let supervisor = credentials.token("jiancha-01", &["supervisor"]);
    let seen = pb::intake_service_client::IntakeServiceClient::new(anonymous)
        .get_application(bearer(
            pb::GetApplicationRequest {
                application_id: application.id.clone(),
            },
            &supervisor,
        ))
        .await
        .unwrap()
        .into_inner();
    let masked = seen.ratings[0].rater.clone().unwrap();
    assert_eq!(
        (masked.name.as_str(), masked.phone.as_str()),
        ("王**", "138****8000")
    );
    assert_eq!(seen.ratings[0].satisfaction, rating.satisfaction);
    assert_eq!(seen.ratings[0].clerk_id, rating.clerk_id);
    server.stop().await;
}

async fn bad_ratings_are_refused_with_the_field_and_change_nothing(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut intake = running.server.intake().await;
    let id = application.id.as_str();
    let satisfied = pb::Satisfaction::Satisfied;
    let mut online_indicator = national(id, satisfied);
    online_indicator.indicators = vec![
        indicator(pb::RatingIndicator::Overall, satisfied),
        indicator(pb::RatingIndicator::PlatformUsability, satisfied),
    ];
    let mut twice = national(id, satisfied);
    twice.indicators = vec![
        indicator(pb::RatingIndicator::ServiceLevel, satisfied),
        indicator(pb::RatingIndicator::Overall, satisfied),
        indicator(pb::RatingIndicator::ServiceLevel, satisfied),
    ];
    let mut disagreeing = national(id, pb::Satisfaction::VerySatisfied);
    disagreeing.score = 1;
    let mut no_channel = national(id, satisfied);
    no_channel.channel = pb::RatingChannel::Unspecified as i32;
    let mut no_level = national(id, satisfied);
    no_level.satisfaction = 0;
    let mut bad_phone = national(id, satisfied);
    bad_phone.rater = Some(pb::Rater {
        name: "王小明".into(),
        phone: "call me".into(),
    });
    for (request, field) in [
        (online_indicator, "indicators[1].indicator"),
        (twice, "indicators[2].indicator"),
        (disagreeing, "score"),
        (no_channel, "channel"),
        (no_level, "satisfaction"),
        (bad_phone, "rater.phone"),
    ] {
        assert_refused(
            intake.rate_service(request).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    let after = reread(&running.server, id).await;
    assert!(after.ratings.is_empty());
    assert_eq!(after.version, application.version, "nothing changed");
}

async fn a_client_sending_stars_still_rates_and_statistics_count_each_level(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let mut intake = server.intake().await;
    // A client written before the national levels: one star, no channel.
    let on_site = accepted_company(&server).await;
    let old_style = pb::RateServiceRequest {
        application_id: on_site.id.clone(),
        stage: pb::RatingStage::Acceptance as i32,
        score: 1,
        ..Default::default()
    };
    let rated = intake.rate_service(old_style).await.unwrap().into_inner();
    let rating = &rated.ratings[0];
    assert_eq!(
        (rating.score, rating.satisfaction, rating.negative),
        (1, pb::Satisfaction::VeryDissatisfied as i32, true)
    );
    assert_eq!(
        rating.channel_name, "政务大厅其他终端",
        "placed in the hall, where an on-site application is rated"
    );
    // An application submitted online is rated on the online indicators.
    let mut request = company(&COMPANY_MATERIALS);
    request.channel = pb::Channel::Online as i32;
    let online = intake
        .submit_application(request)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let mut web = national(&online.id, pb::Satisfaction::VerySatisfied);
    web.channel = pb::RatingChannel::Mobile as i32;
    web.score = 5;
    web.indicators = vec![indicator(
        pb::RatingIndicator::GuideAccuracy,
        pb::Satisfaction::BasicallySatisfied,
    )];
    intake.rate_service(web).await.unwrap();
    let mut on_site_indicator = national(&online.id, pb::Satisfaction::Satisfied);
    on_site_indicator.stage = pb::RatingStage::Dispatch as i32;
    on_site_indicator.indicators = vec![indicator(
        pb::RatingIndicator::ServiceAttitude,
        pb::Satisfaction::Satisfied,
    )];
    assert_refused(
        intake.rate_service(on_site_indicator).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "indicators[0].indicator",
    );
    // The dispatch rating is about the clerk who handed out.
    approve_company(&server, &on_site).await;
    let hand_over = pb::RecordHandOverRequest {
        application_id: on_site.id.clone(),
        method: pb::HandOverMethod::OnSite as i32,
        handed_by: "window-03".into(),
        recipient: "王小明".into(),
        ..Default::default()
    };
    server
        .dispatch()
        .await
        .record_hand_over(hand_over)
        .await
        .unwrap();
    let mut at_dispatch = national(&on_site.id, pb::Satisfaction::Satisfied);
    at_dispatch.stage = pb::RatingStage::Dispatch as i32;
    let both = intake.rate_service(at_dispatch).await.unwrap().into_inner();
    let clerks: Vec<&str> = both.ratings.iter().map(|r| r.clerk_id.as_str()).collect();
    assert_eq!(clerks, ["desk-01", "window-03"]);

    let figures = server
        .statistics()
        .await
        .get_statistics(pb::GetStatisticsRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let overall = figures.overall.unwrap();
    let by_level: Vec<(i32, u32)> = overall
        .ratings_by_level
        .iter()
        .map(|c| (c.satisfaction, c.count))
        .collect();
    assert_eq!(by_level, vec![(1, 1), (2, 1), (3, 0), (4, 0), (5, 1)]);
    assert_eq!((overall.ratings, overall.negative_ratings), (3, 1));
    assert!(
        (overall.average_rating - 10.0 / 3.0).abs() < 1e-9,
        "average in stars: (1 + 5 + 4) / 3, got {}",
        overall.average_rating
    );
    server.stop().await;
}

/// A store whose documents hold ratings in stars, as written before `m0007`: the migration
/// gives each the national code, the channel of its intake and the clerk of its stage.
async fn stored_ratings_in_stars_are_migrated_to_the_national_shape(backend: Backend) {
    use lianban_services::store::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    use sea_orm_migration::prelude::{Expr, ExprTrait, Query};
    use sea_orm_migration::sea_orm::ConnectionTrait;

    let database = TestDatabase::create(backend).await;
    let server = TestServer::start(&database.url).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let application = accepted_company(&server).await;
        let request = national(&application.id, pb::Satisfaction::Satisfied);
        server.intake().await.rate_service(request).await.unwrap();
        ids.push(Uuid::parse_str(&application.id).unwrap());
    }
    server.stop().await;

    let store = Store::connect(&database.url).await.unwrap();
    let steps = crate::support::migrations_from("m0007_ratings_to_the_national_standard");
    Migrator::down(store.connection(), Some(steps))
        .await
        .unwrap();
    let mut old = raw_document(&store, ids[0]).await;
    assert_eq!(
        old["ratings"][0]["score"], 4,
        "going down writes the stars back"
    );
    assert!(old["ratings"][0].get("satisfaction").is_none());
    // A document as an older server wrote it, by hand: one star at acceptance.
    old["ratings"] = serde_json::json!([
        {"stage": "acceptance", "score": 1, "comment": "态度差", "at": "2026-03-02T02:00:00Z"}
    ]);
    let update = Query::update()
        .table("applications")
        .value("document", old.to_string())
        .and_where(Expr::col("id").eq(ids[0].to_string()))
        .to_owned();
    store.connection().execute(&update).await.unwrap();

    Migrator::up(store.connection(), None).await.unwrap();
    let migrated = store_application(&store, ids[0]).await;
    let rating = &migrated.ratings[0];
    assert_eq!(rating.stage, RatingStage::Acceptance);
    assert_eq!(rating.satisfaction, Satisfaction::VeryDissatisfied);
    assert_eq!(rating.channel, RatingChannel::HallOtherTerminal);
    assert_eq!(rating.clerk_id.as_deref(), Some("desk-01"));
    assert_eq!(
        (rating.comment.as_str(), rating.rater.as_ref()),
        ("态度差", None)
    );
    assert!(rating.indicators.is_empty() && rating.is_negative());
    for id in &ids[1..] {
        let rating = &store_application(&store, *id).await.ratings[0];
        assert_eq!(rating.satisfaction, Satisfaction::Satisfied, "round trip");
    }
    store.close().await.unwrap();
}

/// The document as stored, whatever its shape.
async fn raw_document(store: &Store, id: Uuid) -> serde_json::Value {
    use sea_orm_migration::prelude::{Expr, ExprTrait, Query};
    use sea_orm_migration::sea_orm::ConnectionTrait;
    let select = Query::select()
        .column("document")
        .from("applications")
        .and_where(Expr::col("id").eq(id.to_string()))
        .to_owned();
    let row = store
        .connection()
        .query_one(&select)
        .await
        .unwrap()
        .unwrap();
    let document: String = row.try_get("", "document").unwrap();
    serde_json::from_str(&document).unwrap()
}

async fn store_application(store: &Store, id: Uuid) -> Application {
    store.application(id).await.unwrap().expect("stored")
}
