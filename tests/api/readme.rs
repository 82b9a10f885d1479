//! The grpcurl examples of README.md's integrators section, replayed as written against a real
//! server with the default configuration: each JSON body is read with the contract's descriptors
//! the way grpcurl reads it (protobuf JSON), sent to the method the example names, and must be
//! answered OK; the submission's application then stands in the regulator's queue.

use std::path::Path;

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestDatabase, TestServer};
use prost_reflect::{DescriptorPool, DynamicMessage};
use tonic::transport::Channel;

use crate::support::send_raw;

/// One `grpcurl -plaintext -d '<json>' <address> <service>/<method>` of the README.
#[derive(Debug)]
struct Example {
    body: String,
    service: String,
    method: String,
}

/// Every example with a body in README.md's shell blocks, in the order they appear.
fn examples() -> Vec<Example> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(readme).expect("README.md");
    let mut found = Vec::new();
    for block in text.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        found.extend(examples_in(block));
    }
    found
}

/// The examples in one shell block.
fn examples_in(block: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut rest = block;
    while let Some(start) = rest.find("grpcurl -plaintext -d '") {
        rest = &rest[start + "grpcurl -plaintext -d '".len()..];
        let end = rest.find('\'').expect("a closing quote");
        let body = rest[..end].to_owned();
        rest = &rest[end + 1..];
        let line = rest.lines().next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let _address = words.next().expect("an address");
        let target = words.next().expect("a method");
        let Some((service, method)) = target.split_once('/') else {
            continue;
        };
        found.push(Example {
            body,
            service: service.to_owned(),
            method: method.to_owned(),
        });
    }
    found
}

/// Sends `example` as grpcurl would, answering the raw response.
async fn replay(
    pool: &DescriptorPool,
    channel: Channel,
    example: &Example,
) -> Result<Vec<u8>, tonic::Status> {
    let service = pool
        .get_service_by_name(&example.service)
        .unwrap_or_else(|| panic!("no service {}", example.service));
    let method = service
        .methods()
        .find(|m| m.name() == example.method)
        .unwrap_or_else(|| panic!("no method {}", example.method));
    let mut json = serde_json::Deserializer::from_str(&example.body);
    let request = DynamicMessage::deserialize(method.input(), &mut json)
        .unwrap_or_else(|e| panic!("{example:?}: the body does not read as the request: {e}"));
    let path = format!("/{}/{}", example.service, example.method);
    send_raw(channel, &path, prost::Message::encode_to_vec(&request)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_grpcurl_examples_work_as_written() {
    let examples = examples();
    assert!(examples.len() >= 3, "{examples:?}");
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = TestServer::start(&database.url).await;
    let pool = DescriptorPool::decode(lianban_proto::FILE_DESCRIPTOR_SET).expect("descriptors");
    let mut answers = Vec::new();
    for example in &examples {
        let answer = replay(&pool, server.channel().await, example).await;
        answers.push(answer.unwrap_or_else(|status| panic!("{example:?}: {status:?}")));
    }
    // Sent twice, the submission answers the same application: its key makes it safe.
    let submission = examples
        .iter()
        .position(|e| e.method == "SubmitApplication")
        .expect("a submission example");
    let again = replay(&pool, server.channel().await, &examples[submission])
        .await
        .expect("the same submission again");
    let first: pb::SubmitApplicationResponse =
        prost::Message::decode(&*answers[submission]).unwrap();
    let second: pb::SubmitApplicationResponse = prost::Message::decode(&*again).unwrap();
    let first = first.application.expect("the application");
    assert_eq!(Some(&first.id), second.application.as_ref().map(|a| &a.id));
    let listing = examples
        .iter()
        .position(|e| e.method == "ListTasks")
        .expect("a queue example");
    let queue = replay(&pool, server.channel().await, &examples[listing])
        .await
        .expect("the queue");
    let queue: pb::ListTasksResponse = prost::Message::decode(&*queue).unwrap();
    assert!(
        queue
            .tasks
            .iter()
            .any(|t| t.receipt_number == first.receipt_number),
        "the submitted application is not in the queue: {queue:?}"
    );
    server.stop().await;
}
