//! The operator files in `deploy/` cannot be run here (no container engine), so they are checked by
//! reading: every YAML and JSON file parses, the Kubernetes ConfigMap's TOML is a configuration the
//! server accepts, every `LIANBAN_*` variable that the compose file, the Kubernetes Deployment
//! or the Dockerfile sets names a key the server knows, the disruption budget keeps a replica of
//! the Deployment up, stopping is given longer than the server's drain bound, and readiness is
//! `lianban-server probe` against a loopback `probe_listen` while liveness stays a TCP check.

use std::path::{Path, PathBuf};

use lianban_services::Config;
use serde_json::Value as Json;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn yaml_documents(path: &Path) -> Vec<serde_norway::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|document| {
            serde::Deserialize::deserialize(document)
                .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
        })
        .collect()
}

/// Whether `LIANBAN_A__B` names a key of the configuration (`a.b`).
fn names_a_key(variable: &str, config: &Json) -> bool {
    let Some(rest) = variable.strip_prefix("LIANBAN_") else {
        return true;
    };
    if rest == "CONFIG" {
        return true; // the configuration file itself
    }
    let mut node = config;
    for part in rest.to_lowercase().split("__") {
        match node.get(part) {
            Some(child) => node = child,
            None => return false,
        }
    }
    true
}

#[test]
fn every_yaml_and_json_file_parses() {
    let mut all = Vec::new();
    files(&deploy(), &mut all);
    let mut checked = 0;
    for path in &all {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => {
                assert!(
                    !yaml_documents(path).is_empty(),
                    "{} is empty",
                    path.display()
                );
                checked += 1;
            }
            Some("json") => {
                let text = std::fs::read_to_string(path).unwrap();
                serde_json::from_str::<Json>(&text)
                    .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
                checked += 1;
            }
            _ => {}
        }
    }
    assert!(checked >= 10, "only {checked} files checked");
}

/// The configuration the Kubernetes pods run with: the ConfigMap's file and what the Deployment's
/// environment adds to it, as the server reads them.
fn configured() -> Config {
    let documents = yaml_documents(&deploy().join("kubernetes/configmap.yaml"));
    let toml = documents[0]["data"]["lianban.toml"]
        .as_str()
        .expect("a lianban.toml key");
    // The file and what the Deployment's environment adds to it (a Secret's values as the
    // example Secret holds them), as the server reads them.
    use figment::providers::{Format, Serialized, Toml};
    let mut figment =
        figment::Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml));
    let deployment = &yaml_documents(&deploy().join("kubernetes/deployment.yaml"))[0];
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    for variable in container["env"].as_sequence().into_iter().flatten() {
        let name = variable["name"].as_str().unwrap();
        if name == "LIANBAN_CONFIG" {
            continue; // the file itself, read above
        }
        let key = name
            .strip_prefix("LIANBAN_")
            .unwrap()
            .to_lowercase()
            .replace("__", ".");
        let value = match variable["value"].as_str() {
            Some(value) => value.to_owned(),
            None => {
                let reference = &variable["valueFrom"]["secretKeyRef"];
                let secret = &yaml_documents(&deploy().join("kubernetes/secret.yaml"))[0];
                assert_eq!(secret["metadata"]["name"], reference["name"], "{name}");
                let entry = reference["key"].as_str().unwrap();
                secret["stringData"][entry]
                    .as_str()
                    .unwrap_or_else(|| panic!("the Secret holds no {entry} for {name}"))
                    .to_owned()
            }
        };
        figment = figment.merge(Serialized::default(&key, value));
    }
    figment.extract().expect("the configuration reads")
}

#[test]
fn the_configmap_holds_a_configuration_the_server_accepts() {
    let config = configured();
    config.validate().unwrap_or_else(|e| {
        panic!("the ConfigMap with the Deployment's environment is refused: {e}")
    });
    assert!(config.telemetry.enabled);
    assert_eq!(config.listen.to_string(), "0.0.0.0:50051");
    assert!(config.tls.client_ca.is_some() && config.identity.jwks_file.is_some());
    assert!(config.audit.key_id.is_some());
    // The console is served, and people sign in through the provider whose tokens are verified.
    let sign_in = config
        .console
        .sign_in(config.identity.accepts_tokens(), true)
        .expect("the console's settings are accepted");
    assert_eq!(
        sign_in,
        Some(lianban_services::console::SignIn::Provider),
        "the ConfigMap's console signs people in through the provider"
    );
}

#[test]
fn every_variable_the_manifests_set_names_a_known_key() {
    let keys = serde_json::to_value(Config::default()).unwrap();
    let mut variables: Vec<(String, String)> = Vec::new();
    let compose = &yaml_documents(&deploy().join("compose.yaml"))[0];
    if let Some(environment) = compose["services"]["lianban"]["environment"].as_mapping() {
        for name in environment.keys() {
            variables.push(("compose.yaml".into(), name.as_str().unwrap().to_owned()));
        }
    }
    for document in yaml_documents(&deploy().join("kubernetes/deployment.yaml")) {
        for container in document["spec"]["template"]["spec"]["containers"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for variable in container["env"].as_sequence().into_iter().flatten() {
                variables.push((
                    "deployment.yaml".into(),
                    variable["name"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    let dockerfile = std::fs::read_to_string(deploy().join("Dockerfile")).unwrap();
    for word in dockerfile.split_whitespace() {
        if let Some((name, _)) = word
            .split_once('=')
            .filter(|(name, _)| name.starts_with("LIANBAN_"))
        {
            variables.push(("Dockerfile".into(), name.to_owned()));
        }
    }
    assert!(variables.len() >= 6, "{variables:?}");
    for (file, variable) in variables {
        assert!(
            names_a_key(&variable, &keys),
            "{file} sets {variable}, which names no configuration key"
        );
    }
    assert!(
        !names_a_key("LIANBAN_TELEMETRY__NOPE", &keys),
        "the check itself can fail"
    );
}

#[test]
fn the_deployment_mounts_the_certificates_and_the_jwks_read_only() {
    let documents = yaml_documents(&deploy().join("kubernetes/deployment.yaml"));
    let pod = &documents[0]["spec"]["template"]["spec"];
    let volume = |name: &str| {
        pod["volumes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|v| v["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no volume {name}"))
            .clone()
    };
    let tls = volume("tls");
    assert_eq!(tls["secret"]["secretName"].as_str(), Some("lianban-tls"));
    let jwks = volume("jwks");
    assert_eq!(jwks["configMap"]["name"].as_str(), Some("lianban-jwks"));
    let mounts = &pod["containers"][0]["volumeMounts"];
    for (name, path) in [
        ("tls", "/etc/lianban-tls"),
        ("jwks", "/etc/lianban-identity"),
    ] {
        let mount = mounts
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|m| m["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("volume {name} is not mounted"));
        assert_eq!(mount["mountPath"].as_str(), Some(path));
        assert_eq!(mount["readOnly"].as_bool(), Some(true), "{name}");
    }

    // The Secret and the ConfigMap hold every key the volumes project.
    let secret = &yaml_documents(&deploy().join("kubernetes/tls-secret.yaml"))[0];
    for item in tls["secret"]["items"].as_sequence().into_iter().flatten() {
        let key = item["key"].as_str().unwrap();
        assert!(
            secret["stringData"][key].is_string(),
            "the Secret lacks {key}"
        );
    }
    let config_map = &yaml_documents(&deploy().join("kubernetes/jwks-configmap.yaml"))[0];
    let jwks_text = config_map["data"]["jwks.json"].as_str().unwrap();
    let jwks_json: Json = serde_json::from_str(jwks_text).unwrap();
    assert!(jwks_json["keys"].is_array(), "a JWKS");

    let compose = &yaml_documents(&deploy().join("compose.yaml"))[0];
    let volumes: Vec<&str> = compose["services"]["lianban"]["volumes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        volumes.contains(&"./dev-certs:/etc/lianban-tls:ro"),
        "{volumes:?}"
    );
}

#[test]
fn the_disruption_budget_keeps_one_of_the_deployments_pods() {
    let deployment = &yaml_documents(&deploy().join("kubernetes/deployment.yaml"))[0];
    let budget = &yaml_documents(&deploy().join("kubernetes/pdb.yaml"))[0];
    assert_eq!(budget["kind"].as_str(), Some("PodDisruptionBudget"));
    assert_eq!(budget["apiVersion"].as_str(), Some("policy/v1"));
    let replicas = deployment["spec"]["replicas"].as_u64().expect("replicas");
    let kept = budget["spec"]["minAvailable"]
        .as_u64()
        .expect("minAvailable");
    assert!(
        (1..replicas).contains(&kept),
        "minAvailable {kept} of {replicas} replicas: a drain must be able to take one and keep one"
    );
    let wanted = budget["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .expect("the budget selects by labels");
    assert!(!wanted.is_empty());
    let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
    for (label, value) in wanted {
        assert_eq!(
            &pod_labels[label.as_str().unwrap()],
            value,
            "the budget selects {label:?}={value:?}, which the Deployment's pods do not carry"
        );
    }
    assert_eq!(
        &budget["spec"]["selector"], &deployment["spec"]["selector"],
        "the budget and the Deployment select the same pods"
    );
    assert_eq!(
        budget["metadata"]["namespace"], deployment["metadata"]["namespace"],
        "the budget lives beside the Deployment"
    );
}

#[test]
fn stopping_is_given_longer_than_the_drain_bound() {
    let drain = configured().drain_seconds;
    let deployment = &yaml_documents(&deploy().join("kubernetes/deployment.yaml"))[0];
    let grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        .as_u64()
        .expect("the Deployment sets terminationGracePeriodSeconds");
    // The drain, then closing the store and flushing telemetry: a few seconds more.
    assert!(
        grace >= drain + 10,
        "terminationGracePeriodSeconds {grace} leaves too little over drain_seconds {drain}"
    );
    let compose = &yaml_documents(&deploy().join("compose.yaml"))[0];
    let period = compose["services"]["lianban"]["stop_grace_period"]
        .as_str()
        .expect("compose sets stop_grace_period");
    let seconds: u64 = period
        .strip_suffix('s')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("stop_grace_period {period} is not in seconds"));
    assert!(
        seconds >= drain + 10,
        "compose's stop_grace_period {period} leaves too little over drain_seconds {drain}"
    );
}

#[test]
fn readiness_asks_the_loopback_health_listener_and_liveness_only_the_port() {
    let config = configured();
    let probe = config
        .probe_listen
        .expect("the ConfigMap sets probe_listen for the readiness probe");
    assert!(
        probe.ip().is_loopback(),
        "probe_listen {probe} is not loopback"
    );
    assert_ne!(probe.port(), config.listen.port());

    let deployment = &yaml_documents(&deploy().join("kubernetes/deployment.yaml"))[0];
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let command: Vec<&str> = container["readinessProbe"]["exec"]["command"]
        .as_sequence()
        .expect("readiness is an exec probe")
        .iter()
        .map(|word| word.as_str().unwrap())
        .collect();
    assert_eq!(command, ["/usr/local/bin/lianban-server", "probe"]);
    let dockerfile = std::fs::read_to_string(deploy().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("/usr/local/bin/lianban-server"),
        "the image holds the binary where the probe runs it"
    );
    // The probe finds the configuration as the server does: LIANBAN_CONFIG names the mounted file.
    let config_file = container["env"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|v| v["name"].as_str() == Some("LIANBAN_CONFIG"))
        .and_then(|v| v["value"].as_str())
        .expect("the container sets LIANBAN_CONFIG, which the probe reads");
    let mount = container["volumeMounts"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|m| m["name"].as_str() == Some("config"))
        .and_then(|m| m["mountPath"].as_str())
        .expect("the ConfigMap is mounted");
    assert_eq!(config_file, format!("{mount}/lianban.toml"));
    let timeout = container["readinessProbe"]["timeoutSeconds"]
        .as_u64()
        .expect("the readiness probe sets timeoutSeconds");
    assert!(
        timeout > 2,
        "the probe's own 2 s bound must answer before the kubelet's"
    );

    // Liveness must not fail while only the database is down.
    assert_eq!(
        container["livenessProbe"]["tcpSocket"]["port"].as_u64(),
        Some(u64::from(config.listen.port())),
        "liveness checks the server's port"
    );

    let compose = &yaml_documents(&deploy().join("compose.yaml"))[0];
    let service = &compose["services"]["lianban"];
    let test: Vec<&str> = service["healthcheck"]["test"]
        .as_sequence()
        .expect("compose has a healthcheck")
        .iter()
        .map(|word| word.as_str().unwrap())
        .collect();
    assert_eq!(test, ["CMD", "/usr/local/bin/lianban-server", "probe"]);
    let compose_probe: std::net::SocketAddr = service["environment"]["LIANBAN_PROBE_LISTEN"]
        .as_str()
        .expect("compose sets LIANBAN_PROBE_LISTEN")
        .parse()
        .unwrap();
    assert!(compose_probe.ip().is_loopback());
}
