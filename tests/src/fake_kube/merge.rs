//! Patch semantics of the API server for the fields Firebreak touches: JSON merge patch
//! (RFC 7386), strategic merge patch (maps merge, `containers`-like lists merge by `name`) and the
//! object-member operations of JSON patch (RFC 6902 `add`/`replace`/`remove`, as `rollout undo` sends).

use serde_json::Value;

/// Lists a strategic merge patch merges element-wise by their `name` key (as the Go types declare
/// with `patchMergeKey:"name"`); every other list is replaced.
const MERGED_BY_NAME: [&str; 6] = ["containers", "initContainers", "ephemeralContainers", "env", "volumes", "volumeMounts"];

/// RFC 7386: objects merge recursively, `null` removes, everything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (key, value) in patch {
            if value.is_null() {
                map.remove(key);
            } else {
                merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// Strategic merge patch, as far as Deployments and ConfigMaps need it.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(map) = target else { return };
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        match (MERGED_BY_NAME.contains(&key.as_str()), value, map.get_mut(key)) {
            (_, Value::Null, _) => {
                map.remove(key);
            }
            (true, Value::Array(items), Some(Value::Array(existing))) => {
                for item in items {
                    let name = item.get("name");
                    match existing.iter_mut().find(|e| name.is_some() && e.get("name") == name) {
                        Some(found) => strategic_merge(found, item),
                        None => existing.push(item.clone()),
                    }
                }
            }
            (_, value, _) => strategic_merge(map.entry(key.clone()).or_insert(Value::Null), value),
        }
    }
}

/// RFC 6902 `add`, `replace` and `remove` of object members (no array indices, no `move`/`copy`).
pub fn json_patch(target: &mut Value, operations: &Value) -> Result<(), String> {
    let Value::Array(operations) = operations else { return Err("a JSON patch is an array of operations".to_owned()) };
    for operation in operations {
        let op = operation.get("op").and_then(Value::as_str).unwrap_or("");
        let path = operation.get("path").and_then(Value::as_str).unwrap_or("");
        let (parent, last) = path.rsplit_once('/').ok_or_else(|| format!("invalid path {path:?}"))?;
        let key = last.replace("~1", "/").replace("~0", "~");
        let Some(Value::Object(map)) = target.pointer_mut(parent) else {
            return Err(format!("the server rejected our request due to an error in our request: path {parent:?} does not exist"));
        };
        match (op, operation.get("value")) {
            ("add" | "replace", Some(value)) => {
                map.insert(key, value.clone());
            }
            ("remove", _) => {
                map.remove(&key).ok_or_else(|| format!("path {path:?} does not exist"))?;
            }
            _ => return Err(format!("the fake does not support JSON patch operation {op:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_removes_nulls_and_replaces_lists() {
        let mut target = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        merge_patch(&mut target, &json!({"a": {"b": null, "d": 3}, "l": [3]}));
        assert_eq!(target, json!({"a": {"c": 2, "d": 3}, "l": [3]}));
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut target = json!({"containers": [{"name": "web", "image": "a", "resources": {"limits": {"cpu": "1"}}}, {"name": "side", "image": "b"}]});
        strategic_merge(&mut target, &json!({"containers": [{"name": "web", "resources": {"limits": {"memory": "1Gi"}}}]}));
        assert_eq!(
            target,
            json!({"containers": [{"name": "web", "image": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}, {"name": "side", "image": "b"}]})
        );
    }
}
