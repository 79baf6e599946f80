//! Kubernetes remediations end to end: the real kubectl and `KubeActions` against the fake API
//! server send the same changes (the proof Firebreak acts as kubectl does), then each action's
//! execute, preview (server-side dry run) and verify against the fake.

use std::collections::BTreeMap;
use std::time::Duration;

use firebreak::adapters::kube_actions::KubeActions;
use firebreak_commands::remediation::{ActionError, ActionTarget, ClusterActions};
use firebreak_tests::kubectl::Kubectl;
use firebreak_tests::fake_kube::{FakeKube, RecordedRequest, deployment};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde_json::Value;

const NS: &str = "default";
const WEB: &str = "nerf-web";

// ---- helpers ----

async fn fake_with_web() -> FakeKube {
    let fake = FakeKube::start().await;
    fake.add_deployment(deployment(WEB, 3).build());
    fake
}

fn actions(fake: &FakeKube) -> KubeActions {
    KubeActions::for_url(fake.url()).expect("client for the fake")
}

fn restart() -> ActionTarget {
    ActionTarget::K8sRolloutRestart { namespace: NS.to_owned(), deployment: WEB.to_owned() }
}

fn scale(replicas: u32) -> ActionTarget {
    ActionTarget::K8sScale { namespace: NS.to_owned(), deployment: WEB.to_owned(), replicas }
}

fn undo(name: &str) -> ActionTarget {
    ActionTarget::K8sRolloutUndo { namespace: NS.to_owned(), deployment: name.to_owned() }
}

fn maintenance(enabled: bool) -> ActionTarget {
    ActionTarget::MaintenanceMode { namespace: NS.to_owned(), configmap: "maintenance-mode".to_owned(), enabled }
}

fn stored(fake: &FakeKube) -> Deployment {
    fake.stored_deployment(NS, WEB).expect("deployment stored")
}

fn template_annotation(d: &Deployment, key: &str) -> Option<String> {
    d.spec.as_ref()?.template.metadata.as_ref()?.annotations.as_ref()?.get(key).cloned()
}

fn writes(fake: &FakeKube) -> Vec<RecordedRequest> {
    fake.requests().into_iter().filter(RecordedRequest::is_write).collect()
}

fn is_rfc3339_seconds(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The body with the restartedAt timestamp blanked, after checking its format.
fn normalized_body(request: &RecordedRequest) -> Value {
    let mut body = request.body_json().expect("a JSON body");
    if let Some(at) = body.pointer_mut("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt") {
        assert!(at.as_str().is_some_and(is_rfc3339_seconds), "restartedAt is RFC 3339 in seconds: {at}");
        *at = Value::String("<timestamp>".to_owned());
    }
    body
}

fn media_type(request: &RecordedRequest) -> Option<String> {
    request.content_type.as_deref().and_then(|c| c.split(';').next()).map(|c| c.trim().to_owned())
}

// ---- the comparison proof ----

#[tokio::test]
async fn firebreak_sends_the_same_changes_as_real_kubectl() {
    let by_kubectl = fake_with_web().await;
    let Some(kubectl) = Kubectl::new(&by_kubectl) else { return };
    let (code, out, err) = kubectl.run(&["rollout", "restart", &format!("deployment/{WEB}"), "-n", NS]).await;
    assert_eq!(code, 0, "kubectl rollout restart failed: {out}{err}");
    assert!(out.contains("restarted"), "{out}");
    let (code, out, err) = kubectl.run(&["scale", "deployment", WEB, "--replicas=5", "-n", NS]).await;
    assert_eq!(code, 0, "kubectl scale failed: {out}{err}");
    assert!(out.contains("scaled"), "{out}");
    assert_eq!(by_kubectl.stored_deployment(NS, WEB).and_then(|d| d.spec?.replicas), Some(5), "kubectl's scale took effect");

    let by_firebreak = fake_with_web().await;
    let firebreak = actions(&by_firebreak);
    firebreak.execute(&restart()).await.expect("restart");
    firebreak.execute(&scale(5)).await.expect("scale");

    let (theirs, ours) = (writes(&by_kubectl), writes(&by_firebreak));
    assert_eq!(theirs.len(), 2, "kubectl made two changes: {theirs:#?}");
    assert_eq!(ours.len(), theirs.len(), "Firebreak made as many changes: {ours:#?}");
    for (k, f) in theirs.iter().zip(&ours) {
        assert_eq!(f.method, k.method);
        assert_eq!(f.path, k.path);
        assert_eq!(media_type(f), media_type(k), "patch type of {}", k.path);
        assert_eq!(f.query_value("fieldManager"), k.query_value("fieldManager"), "field manager of {}", k.path);
        assert_eq!(f.query_value("dryRun"), None);
        assert_eq!(normalized_body(f), normalized_body(k), "body of {}", k.path);
    }
    assert_eq!(theirs[0].query_value("fieldManager"), Some("kubectl-rollout"));
    assert_eq!(media_type(&theirs[0]).as_deref(), Some("application/strategic-merge-patch+json"));
    assert_eq!(theirs[1].path, "/apis/apps/v1/namespaces/default/deployments/nerf-web/scale");
    assert_eq!(media_type(&theirs[1]).as_deref(), Some("application/merge-patch+json"));
}

// ---- restart, scale, verify ----

#[tokio::test]
async fn restart_sets_restarted_at_and_verify_waits_for_the_rollout() {
    let fake = fake_with_web().await;
    fake.set_auto_converge(false);
    let firebreak = actions(&fake);
    let outcome = firebreak.execute(&restart()).await.expect("restart");
    assert!(outcome.success);
    let after = stored(&fake);
    let at = template_annotation(&after, "kubectl.kubernetes.io/restartedAt").expect("restartedAt annotation set");
    assert!(is_rfc3339_seconds(&at), "{at}");
    assert!(template_annotation(&after, "kube.kubernetes.io/restartedAt").is_none(), "not kube-rs's key");
    assert_eq!(after.metadata.generation, Some(2), "spec change bumps the generation");
    assert!(outcome.evidence.iter().any(|e| e.contains(&at)), "{:?}", outcome.evidence);
    assert!(outcome.evidence.iter().any(|e| e.contains("1 → 2")), "{:?}", outcome.evidence);

    let early = firebreak.verify(&restart(), Duration::from_millis(300)).await.expect("verify");
    assert!(!early.success, "not converged yet: {early:?}");
    assert!(early.summary.contains("not complete after"), "{}", early.summary);

    let converge = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        fake.converge(NS, WEB);
    };
    let action = restart();
    let (verdict, ()) = tokio::join!(firebreak.verify(&action, Duration::from_secs(10)), converge);
    let verdict = verdict.expect("verify");
    assert!(verdict.success, "{verdict:?}");
    assert!(verdict.summary.contains("rollout complete: 3/3"), "{}", verdict.summary);
}

#[tokio::test]
async fn scale_sets_replicas_and_verifies() {
    let fake = fake_with_web().await;
    let firebreak = actions(&fake);
    let outcome = firebreak.execute(&scale(5)).await.expect("scale");
    assert!(outcome.evidence.iter().any(|e| e == "replicas: 3 → 5"), "{:?}", outcome.evidence);
    assert_eq!(stored(&fake).spec.and_then(|s| s.replicas), Some(5));
    let verdict = firebreak.verify(&scale(5), Duration::from_secs(5)).await.expect("verify");
    assert!(verdict.success, "{verdict:?}");
    assert!(verdict.summary.contains("5/5"), "{}", verdict.summary);
}

#[tokio::test]
async fn a_stuck_rollout_fails_verification() {
    let fake = fake_with_web().await;
    fake.mark_stuck(WEB);
    let firebreak = actions(&fake);
    firebreak.execute(&restart()).await.expect("restart");
    let verdict = firebreak.verify(&restart(), Duration::from_secs(5)).await.expect("verify");
    assert!(!verdict.success);
    assert!(verdict.summary.starts_with("rollout stuck"), "{}", verdict.summary);
}

// ---- set resources ----

fn with_sidecar(mut d: Deployment) -> Deployment {
    if let Some(pod) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
        pod.containers.push(Container { name: "envoy".to_owned(), image: Some("envoy:1.30".to_owned()), ..Container::default() });
    }
    d
}

#[tokio::test]
async fn set_resources_patches_one_container_by_name() {
    let fake = FakeKube::start().await;
    fake.add_deployment(with_sidecar(deployment(WEB, 3).resources(&[("cpu", "500m"), ("memory", "512Mi")], &[]).build()));
    let firebreak = actions(&fake);
    let action = ActionTarget::K8sSetResources {
        namespace: NS.to_owned(),
        deployment: WEB.to_owned(),
        container: "web".to_owned(),
        limits: BTreeMap::from([("memory".to_owned(), "1Gi".to_owned())]),
        requests: BTreeMap::from([("cpu".to_owned(), "250m".to_owned())]),
    };
    let preview = firebreak.preview(&action).await.expect("preview");
    assert!(preview.contains("limits.memory 512Mi → 1Gi") && preview.contains("requests.cpu (unset) → 250m"), "{preview}");
    let outcome = firebreak.execute(&action).await.expect("set resources");
    assert!(outcome.success);
    let containers = stored(&fake).spec.and_then(|s| s.template.spec).map(|p| p.containers).expect("containers");
    let web = containers.iter().find(|c| c.name == "web").and_then(|c| c.resources.clone()).expect("web resources");
    let limits = web.limits.unwrap_or_default();
    assert_eq!(limits.get("memory").map(|q| q.0.as_str()), Some("1Gi"));
    assert_eq!(limits.get("cpu").map(|q| q.0.as_str()), Some("500m"), "other limits kept");
    assert_eq!(web.requests.unwrap_or_default().get("cpu").map(|q| q.0.as_str()), Some("250m"));
    let envoy = containers.iter().find(|c| c.name == "envoy").expect("sidecar kept");
    assert!(envoy.resources.is_none() && envoy.image.as_deref() == Some("envoy:1.30"), "sidecar untouched: {envoy:?}");
    let patch = writes(&fake).into_iter().find(|r| r.query_value("dryRun").is_none()).expect("the patch");
    assert_eq!(media_type(&patch).as_deref(), Some("application/strategic-merge-patch+json"));
    assert_eq!(patch.query_value("fieldManager"), Some("kubectl-set"));

    let missing = ActionTarget::K8sSetResources {
        namespace: NS.to_owned(),
        deployment: WEB.to_owned(),
        container: "nope".to_owned(),
        limits: BTreeMap::from([("memory".to_owned(), "1Gi".to_owned())]),
        requests: BTreeMap::new(),
    };
    let error = firebreak.execute(&missing).await.expect_err("unknown container");
    assert!(matches!(&error, ActionError::NotFound(m) if m.contains("nope") && m.contains("web, envoy")), "{error:?}");
}

// ---- maintenance mode ----

fn enabled_value(fake: &FakeKube) -> Option<String> {
    fake.stored_configmap(NS, "maintenance-mode").and_then(|c: ConfigMap| c.data?.get("enabled").cloned())
}

#[tokio::test]
async fn maintenance_mode_creates_then_updates_the_configmap() {
    let fake = FakeKube::start().await;
    let firebreak = actions(&fake);
    let preview = firebreak.preview(&maintenance(true)).await.expect("preview");
    assert_eq!(preview, "configmap maintenance-mode would be created with enabled=true");
    assert_eq!(enabled_value(&fake), None, "dry run stores nothing");

    let created = firebreak.execute(&maintenance(true)).await.expect("create");
    assert!(created.summary.contains("created"), "{}", created.summary);
    assert_eq!(enabled_value(&fake).as_deref(), Some("true"));
    let verdict = firebreak.verify(&maintenance(true), Duration::from_secs(1)).await.expect("verify");
    assert!(verdict.success, "{verdict:?}");

    let preview = firebreak.preview(&maintenance(false)).await.expect("preview");
    assert_eq!(preview, "configmap maintenance-mode would be updated: enabled true → false");
    let updated = firebreak.execute(&maintenance(false)).await.expect("update");
    assert!(updated.summary.contains("true → false"), "{}", updated.summary);
    assert_eq!(enabled_value(&fake).as_deref(), Some("false"));
    let stale = firebreak.verify(&maintenance(true), Duration::from_secs(1)).await.expect("verify");
    assert!(!stale.success, "enabled=false does not verify maintenance on");

    let posts: Vec<_> = writes(&fake).into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 2, "one dry-run create and one create");
    assert_eq!(posts[0].query_value("dryRun"), Some("All"));
    assert_eq!(posts[1].query_value("fieldManager"), Some("kubectl-create"));
}

// ---- preview ----

#[tokio::test]
async fn preview_is_a_server_side_dry_run_that_changes_nothing() {
    let fake = fake_with_web().await;
    let firebreak = actions(&fake);
    let before = stored(&fake);
    let scaled = firebreak.preview(&scale(5)).await.expect("preview scale");
    assert_eq!(scaled, "deployment/nerf-web: replicas 3 → 5");
    let restarted = firebreak.preview(&restart()).await.expect("preview restart");
    assert!(restarted.contains("restartedAt set") && restarted.contains("pods will be replaced"), "{restarted}");
    let after = stored(&fake);
    assert_eq!(after.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(after.metadata.generation, before.metadata.generation);
    assert_eq!(after.metadata.resource_version, before.metadata.resource_version);
    assert!(template_annotation(&after, "kubectl.kubernetes.io/restartedAt").is_none());
    let changes = writes(&fake);
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|r| r.query_value("dryRun") == Some("All")), "{changes:#?}");
}

// ---- errors ----

#[tokio::test]
async fn errors_name_what_went_wrong() {
    let fake = fake_with_web().await;
    let firebreak = actions(&fake);
    let missing = ActionTarget::K8sRolloutRestart { namespace: NS.to_owned(), deployment: "ghost".to_owned() };
    let error = firebreak.execute(&missing).await.expect_err("missing deployment");
    assert!(matches!(&error, ActionError::NotFound(m) if m.contains("ghost")), "{error:?}");
    let error = firebreak.verify(&missing, Duration::from_secs(1)).await.expect_err("missing deployment");
    assert!(matches!(error, ActionError::NotFound(_)), "{error:?}");

    let error = firebreak.execute(&ActionTarget::K8sScale { namespace: NS.to_owned(), deployment: WEB.to_owned(), replicas: u32::MAX }).await;
    assert!(matches!(&error, Err(ActionError::Refused(_))), "out-of-range replicas are refused by the API: {error:?}");
    fake.deny("patch deployments/scale");
    let error = firebreak.execute(&scale(5)).await.expect_err("denied");
    assert!(matches!(&error, ActionError::Forbidden(m) if m.contains("`patch` on `deployments/scale`")), "{error:?}");


    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let nowhere = KubeActions::for_url(&format!("http://{closed}")).expect("client");
    let error = nowhere.execute(&restart()).await.expect_err("nothing listens");
    assert!(matches!(error, ActionError::Unreachable(_)), "{error:?}");
}

mod undo;
