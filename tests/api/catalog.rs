//! The catalogue over gRPC, start-up refusing a broken catalogue, and the health and reflection
//! services an operator's tools use.

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_tests::{Backend, TestDatabase, TestServer, write_catalogue};
use tonic::Code;

use crate::support::*;

#[tokio::test]
async fn bundles_carry_their_branches_limits_and_time_saved() {
    let running = start(Backend::Sqlite).await;
    let mut catalog = running.server.catalog().await;
    let bundles = catalog
        .list_bundles(pb::ListBundlesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .bundles;
    let codes: Vec<&str> = bundles.iter().map(|b| b.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "gongye-lianhe-yanshou",
            "kaiban-canyin",
            "kaiban-qiye",
            "xinshenger-chusheng"
        ]
    );
    let company = catalog
        .get_bundle(pb::GetBundleRequest {
            code: "kaiban-qiye".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(company.name, "开办企业");
    assert_eq!(company.branches.len(), 7);
    assert_eq!(
        (company.critical_path_days, company.serial_sum_days),
        (2, 3)
    );
    let seal = company
        .branches
        .iter()
        .find(|b| b.matter.as_ref().unwrap().code == "gaj-yinzhang-beian")
        .unwrap();
    assert_eq!(seal.depends_on, vec!["scjg-qiye-sheli"]);
    assert_eq!(seal.role, pb::Role::Approval as i32);
    let acceptance = catalog
        .get_bundle(pb::GetBundleRequest {
            code: "gongye-lianhe-yanshou".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let reviews = acceptance
        .branches
        .iter()
        .filter(|b| b.role == pb::Role::JointReview as i32)
        .count();
    assert_eq!(reviews, 4);
    let refusal = assert_refused(
        catalog
            .get_bundle(pb::GetBundleRequest {
                code: "nope".into(),
            })
            .await,
        Code::NotFound,
        "NOT_FOUND",
        "bundle",
    );
    assert_eq!(refusal.subject(), "nope");
    assert_refused(
        catalog
            .get_bundle(pb::GetBundleRequest {
                code: String::new(),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "code",
    );
    let matters = catalog
        .list_matters(pb::ListMattersRequest {
            department_code: "gaj".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let codes: Vec<&str> = matters.matters.iter().map(|m| m.code.as_str()).collect();
    assert_eq!(codes, ["gaj-chusheng-dengji", "gaj-yinzhang-beian"]);
    let matter = catalog
        .get_matter(pb::GetMatterRequest {
            code: "scjg-qiye-sheli".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(matter.department_code, "scjg");
    let departments = catalog
        .list_departments(pb::ListDepartmentsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .departments;
    assert!(
        departments
            .iter()
            .any(|d| d.code == "scjg" && d.name == "市场监督管理局")
    );
}

const BASE: &str = r#"
[[department]]
code = "a"
name = "A"

[[material]]
code = "m"
name = "M"

[[matter]]
code = "x"
name = "X"
department = "a"
legal_limit_days = 10
promised_limit_days = 2
materials = ["m"]

[[matter]]
code = "y"
name = "Y"
department = "a"
legal_limit_days = 10
promised_limit_days = 2
"#;

async fn start_with_catalogue(
    bundle: &str,
) -> Result<(TestServer, TestDatabase), lianban_services::Error> {
    let folder = tempfile::tempdir().unwrap();
    write_catalogue(
        folder.path(),
        &[("base.toml", BASE), ("bundle.toml", bundle)],
    );
    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = Config {
        database_url: database.url.clone(),
        catalogue_dir: Some(folder.path().to_owned()),
        ..Config::default()
    };
    // The catalogue is read at start-up; the database must outlive the server.
    TestServer::start_with(config)
        .await
        .map(|server| (server, database))
}

fn bundle(branches: &str) -> String {
    format!(
        "[[bundle]]\ncode = \"b\"\nname = \"B\"\nlead_department = \"a\"\npromised_limit_days = 3\n{branches}"
    )
}

#[tokio::test]
async fn a_broken_catalogue_stops_start_up_naming_the_file_and_the_entry() {
    let unknown_matter = bundle("[[bundle.branch]]\nmatter = \"z\"\nrole = \"approval\"\n");
    let cycle = bundle(
        "[[bundle.branch]]\nmatter = \"x\"\nrole = \"approval\"\ndepends_on = [\"y\"]\n\
         [[bundle.branch]]\nmatter = \"y\"\nrole = \"joint_review\"\ndepends_on = [\"x\"]\n",
    );
    let duplicate = "[[material]]\ncode = \"m\"\nname = \"again\"\n".to_owned();
    let unknown_material = BASE
        .replace("materials = [\"m\"]", "materials = [\"m2\"]")
        .replace("code = \"a\"", "code = \"a2\"");
    for (text, needles) in [
        (
            unknown_matter,
            vec!["bundle.toml", "bundle b", "unknown matter z"],
        ),
        (cycle, vec!["bundle.toml", "bundle b", "cycle"]),
        (duplicate, vec!["bundle.toml", "material m", "base.toml"]),
        (unknown_material, vec!["bundle.toml"]),
    ] {
        let error = match start_with_catalogue(&text).await {
            Ok(_) => panic!("start-up should refuse {text}"),
            Err(error) => error.to_string(),
        };
        for needle in needles {
            assert!(error.contains(needle), "{error:?} does not name {needle:?}");
        }
    }
    let good = bundle("[[bundle.branch]]\nmatter = \"x\"\nrole = \"approval\"\n");
    let (server, _database) = start_with_catalogue(&good)
        .await
        .expect("a good catalogue starts");
    let bundles = server
        .catalog()
        .await
        .list_bundles(pb::ListBundlesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .bundles;
    assert_eq!(bundles.len(), 1);
}

#[tokio::test]
async fn health_and_reflection_answer() {
    let running = start(Backend::Sqlite).await;
    let channel = running.server.channel().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    for service in [
        "",
        "lianban.v1.IntakeService",
        "lianban.v1.TaskService",
        "lianban.v1.DispatchService",
        "lianban.v1.CatalogService",
        "lianban.v1.SupervisionService",
        "lianban.v1.NotificationService",
        "lianban.v1.AdminService",
    ] {
        let request = tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        };
        let status = health.check(request).await.unwrap().into_inner().status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "{service}"
        );
    }
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses
        .message()
        .await
        .unwrap()
        .expect("a reflection answer");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer")
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for service in [
        "lianban.v1.IntakeService",
        "lianban.v1.TaskService",
        "lianban.v1.DispatchService",
        "lianban.v1.CatalogService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.contains(&service), "{service} missing from {names:?}");
    }
}
