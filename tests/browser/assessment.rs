//! 月度考核: a supervisor opens the console on 1 April and reads March's assessment — every
//! department's and every window clerk's score, the month before's and the change — exactly as
//! `AssessmentService` answers it over gRPC, and downloads the same month as the CSV sheet.

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use lianban_tests::accessibility::assert_accessible;
use lianban_tests::credentials::bearer;

use crate::on_every_backend;
use crate::support::{Centre, SUPERVISOR};

on_every_backend!(a_supervisor_reads_last_month_s_assessment_as_the_api_gives_it);

/// What the console shows in a row's cells, as the API's numbers would be written.
fn shown(row: &pb::AssessmentRow) -> (String, String, String) {
    let dash = || "—".to_owned();
    (
        format!("{:.2}", row.score),
        row.previous_score.map_or_else(dash, |p| format!("{p:.2}")),
        row.change.map_or_else(dash, |c| format!("{c:+.2}")),
    )
}

async fn a_supervisor_reads_last_month_s_assessment_as_the_api_gives_it(backend: Backend) {
    // Registration approved on time on Monday 2 March; the parallel matters (due by 3 March)
    // approved late on Thursday 5 March, so the month has on-time and overdue decisions.
    let centre = Centre::open(backend, "2026-03-02 09:00").await;
    let submitted = centre.submit_company("", "福州榕城茶业有限公司").await;
    centre.set_time("2026-03-02 10:00").await;
    let registered = centre.approve(&submitted, "scjg-qiye-sheli").await;
    centre.set_time("2026-03-05 10:00").await;
    for branch in &registered.branches {
        if branch.matter_code != "scjg-qiye-sheli" {
            centre
                .approve(
                    &centre.application(&registered.id).await,
                    &branch.matter_code,
                )
                .await;
        }
    }
    centre.set_time("2026-04-01 09:00").await;

    let request = pb::AssessMonthRequest {
        month: "2026-03".into(),
    };
    let api = pb::assessment_service_client::AssessmentServiceClient::new(centre.channel().await)
        .assess_month(bearer(request, &centre.token(SUPERVISOR)))
        .await
        .expect("a supervisor assesses March")
        .into_inner();
    assert!(
        api.departments
            .iter()
            .any(|r| r.figures.unwrap().overdue > 0),
        "the scenario has overdue decisions: {api:?}"
    );

    centre
        .sign_in(centre.provider.claims(SUPERVISOR.0, SUPERVISOR.1))
        .await;
    // No month asked: the month before today's, in the centre's zone.
    centre.open_page("/assessment").await;
    assert_eq!(centre.browser.text("main h1").await, "月度考核（2026-03）");
    let rows = [("department", &api.departments), ("clerk", &api.clerks)];
    let mut compared = 0;
    for (kind, rows) in rows {
        for row in rows.iter() {
            let css = format!("tr[data-subject=\"{kind}/{}\"] td", row.subject);
            let cells = centre.browser.all(&css).await;
            let mut texts = Vec::new();
            for cell in cells.iter().take(3) {
                texts.push(cell.text().await.expect("a cell's text"));
            }
            let expected = shown(row);
            assert_eq!(
                texts,
                [expected.0, expected.1, expected.2],
                "{kind} {}",
                row.subject
            );
            compared += 1;
        }
    }
    assert_eq!(
        centre.browser.all("tr[data-subject]").await.len(),
        compared,
        "one row per subject the API assesses"
    );
    assert!(compared >= 8, "seven departments and the front-desk clerk");
    assert_accessible(&centre.browser, "the monthly assessment").await;

    // The sheet behind the download link is the API's CSV for the same month.
    let link = centre
        .browser
        .attribute("main a[download]", "href")
        .await
        .expect("a download link");
    assert_eq!(link, "/assessment.csv?month=2026-03");
    // The text as the browser decodes it (the byte-order mark read as such), the first three
    // bytes (the mark itself) and the type.
    let fetched = centre
        .browser
        .execute(
            "return fetch(arguments[0]).then(async r => {
                const bytes = new Uint8Array(await r.clone().arrayBuffer());
                return [await r.text(), Array.from(bytes.slice(0, 3)), r.headers.get('content-type')];
            });",
            vec![link.into()],
        )
        .await;
    assert_eq!(
        fetched[1],
        serde_json::json!([0xEF, 0xBB, 0xBF]),
        "UTF-8 with its mark"
    );
    assert_eq!(fetched[2], "text/csv; charset=utf-8");
    let request = pb::AssessMonthRequest {
        month: "2026-03".into(),
    };
    let sheet = pb::assessment_service_client::AssessmentServiceClient::new(centre.channel().await)
        .export_assessment_csv(bearer(request, &centre.token(SUPERVISOR)))
        .await
        .expect("the sheet over gRPC")
        .into_inner();
    assert_eq!(
        fetched[0].as_str(),
        Some(sheet.csv.trim_start_matches('\u{feff}'))
    );
    centre.close().await;
}
