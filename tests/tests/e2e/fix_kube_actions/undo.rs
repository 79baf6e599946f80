//! `rollout undo`: the previous ReplicaSet revision's template restored, as the real kubectl does.

use super::*;

fn replicaset(name: &str, revision: &str, image: &str, owner_uid: &str) -> ReplicaSet {
    let labels = BTreeMap::from([("app".to_owned(), WEB.to_owned()), ("pod-template-hash".to_owned(), name.to_owned())]);
    ReplicaSet {
        metadata: ObjectMeta {
            name: Some(format!("{WEB}-{name}")),
            namespace: Some(NS.to_owned()),
            labels: Some(labels.clone()),
            annotations: Some(BTreeMap::from([("deployment.kubernetes.io/revision".to_owned(), revision.to_owned())])),
            owner_references: Some(vec![OwnerReference {
                api_version: "apps/v1".to_owned(),
                kind: "Deployment".to_owned(),
                name: WEB.to_owned(),
                uid: owner_uid.to_owned(),
                controller: Some(true),
                ..OwnerReference::default()
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(ReplicaSetSpec {
            template: Some(PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(labels), ..ObjectMeta::default() }),
                spec: Some(k8s_openapi::api::core::v1::PodSpec {
                    containers: vec![Container { name: "web".to_owned(), image: Some(image.to_owned()), ..Container::default() }],
                    ..Default::default()
                }),
            }),
            replicas: Some(0),
            ..ReplicaSetSpec::default()
        }),
        status: None,
    }
}

#[tokio::test]
async fn undo_restores_the_previous_revision_template() {
    let fake = FakeKube::start().await;
    let mut web = with_sidecar(deployment(WEB, 3).build());
    web.metadata.annotations = Some(BTreeMap::from([("deployment.kubernetes.io/revision".to_owned(), "3".to_owned())]));
    fake.add_deployment(web);
    let uid = stored(&fake).metadata.uid.expect("uid");
    fake.add_replicaset(replicaset("aaa", "1", "nerf/web:1.3.0", &uid));
    fake.add_replicaset(replicaset("bbb", "2", "nerf/web:1.4.1", &uid));
    fake.add_replicaset(replicaset("ccc", "3", "nerf/web:1.4.2", &uid));
    fake.add_replicaset(replicaset("zzz", "9", "evil:latest", "someone-else"));
    let firebreak = actions(&fake);

    let preview = firebreak.preview(&undo(WEB)).await.expect("preview");
    assert!(preview.contains("revision 2") && preview.contains("nerf/web:1.4.1"), "{preview}");
    assert_eq!(stored(&fake).metadata.generation, Some(1), "preview changed nothing");

    let outcome = firebreak.execute(&undo(WEB)).await.expect("undo");
    assert!(outcome.evidence.iter().any(|e| e == "revision restored: 2"), "{:?}", outcome.evidence);
    let after = stored(&fake);
    let template = after.spec.as_ref().map(|s| s.template.clone()).expect("template");
    let containers = template.spec.map(|p| p.containers).unwrap_or_default();
    assert_eq!(containers.len(), 1, "template replaced, sidecar gone as in revision 2: {containers:?}");
    assert_eq!(containers[0].image.as_deref(), Some("nerf/web:1.4.1"));
    let labels = template.metadata.and_then(|m| m.labels).unwrap_or_default();
    assert_eq!(labels.get("app").map(String::as_str), Some(WEB));
    assert!(!labels.contains_key("pod-template-hash"), "{labels:?}");
    assert_eq!(after.metadata.generation, Some(2));
    assert_eq!(
        after.metadata.annotations.unwrap_or_default().get("deployment.kubernetes.io/revision").map(String::as_str),
        Some("3"),
        "the controller's revision annotation is kept"
    );
    let listed = fake.requests().into_iter().find(|r| r.path.ends_with("/replicasets")).expect("listed replicasets");
    assert_eq!(listed.query_value("labelSelector"), Some("app=nerf-web"));
}

/// JSON without nulls and empty objects (Go's encoder writes `resources: {}`, k8s-openapi omits it).
fn pruned(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, pruned(v)))
                .filter(|(_, v)| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(pruned).collect()),
        other => other,
    }
}

/// Template and annotations after an undo, for comparison.
fn undone(fake: &FakeKube) -> (Value, Value) {
    let after = stored(fake);
    let template = serde_json::to_value(after.spec.map(|s| s.template)).unwrap_or(Value::Null);
    (pruned(template), serde_json::to_value(after.metadata.annotations).unwrap_or(Value::Null))
}

async fn fake_with_history() -> FakeKube {
    let fake = FakeKube::start().await;
    let mut web = with_sidecar(deployment(WEB, 3).build());
    web.metadata.annotations = Some(BTreeMap::from([("deployment.kubernetes.io/revision".to_owned(), "3".to_owned())]));
    fake.add_deployment(web);
    let uid = stored(&fake).metadata.uid.expect("uid");
    fake.add_replicaset(replicaset("bbb", "2", "nerf/web:1.4.1", &uid));
    // The current revision's ReplicaSet carries the deployment's template, as the controller made it.
    let mut current = replicaset("ccc", "3", "nerf/web:1.4.2", &uid);
    let mut template = stored(&fake).spec.map(|s| s.template).expect("template");
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.insert("pod-template-hash".to_owned(), "ccc".to_owned());
    }
    if let Some(spec) = current.spec.as_mut() {
        spec.template = Some(template);
        spec.replicas = Some(3);
    }
    fake.add_replicaset(current);
    fake
}

#[tokio::test]
async fn undo_leaves_the_deployment_as_real_kubectl_does() {
    let by_kubectl = fake_with_history().await;
    let Some(kubectl) = Kubectl::new(&by_kubectl) else { return };
    let (code, out, err) = kubectl.run(&["rollout", "undo", &format!("deployment/{WEB}"), "-n", NS]).await;
    assert_eq!(code, 0, "kubectl rollout undo failed: {out}{err}");
    assert!(out.contains("rolled back"), "{out}");
    let by_firebreak = fake_with_history().await;
    actions(&by_firebreak).execute(&undo(WEB)).await.expect("undo");
    let (theirs, ours) = (undone(&by_kubectl), undone(&by_firebreak));
    assert!(theirs.0.to_string().contains("nerf/web:1.4.1"), "kubectl restored revision 2: {}", theirs.0);
    assert_eq!(ours, theirs, "Firebreak's undo yields kubectl's deployment");
    let (k, f) = (writes(&by_kubectl), writes(&by_firebreak));
    assert_eq!((k.len(), f.len()), (1, 1), "one change each");
    assert_eq!((f[0].method.as_str(), f[0].path.as_str()), (k[0].method.as_str(), k[0].path.as_str()));
    assert_eq!(f[0].query_value("fieldManager"), k[0].query_value("fieldManager"), "neither names a field manager");
}

#[tokio::test]
async fn undo_without_history_is_refused() {
    let fake = fake_with_web().await;
    let uid = stored(&fake).metadata.uid.expect("uid");
    fake.add_replicaset(replicaset("only", "1", "nerf/web:1.4.2", &uid));
    let error = actions(&fake).execute(&undo(WEB)).await.expect_err("nothing to undo to");
    assert!(matches!(&error, ActionError::Refused(m) if m.contains("no rollout history")), "{error:?}");
    assert!(writes(&fake).is_empty(), "no change attempted");
}
