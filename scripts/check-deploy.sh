#!/usr/bin/env bash
# Checks the deploy artefacts without a cluster, a registry or a Docker engine:
#
# - deploy/kubernetes/base and overlays/replicas-postgres-redis render with `kubectl kustomize`;
#   the Deployment probes /health/live and /health/ready, the diagnostics ClusterRole only
#   reads (get/list/watch), the remediation Role covers exactly the example runbooks' k8s
#   actions in their namespace, the overlay runs 2 replicas on Postgres + Redis from a Secret,
#   and no Secret is rendered;
# - deploy/docker-compose.yml and deploy/slack-app-manifest.yaml parse as YAML and have the
#   expected shape (health checks, the Docker socket only on firebreak, /incident, Socket Mode);
# - the manifest's bot scopes are exactly those deploy/slack-scopes.tsv says the Web API
#   methods called in bot/src and the subscribed events need (plus `commands`), and every
#   method called in bot/src is in that table: a new method without a scope fails here.
#
#   scripts/check-deploy.sh
#
# Needs kubectl (1.32, as scripts/test.sh) and python3 with PyYAML (installed from Debian's
# python3-yaml, or pip, when missing).
set -euo pipefail

cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

command -v kubectl >/dev/null || { echo "check-deploy: kubectl is not on the PATH" >&2; exit 1; }
command -v python3 >/dev/null || { echo "check-deploy: python3 is not on the PATH" >&2; exit 1; }

if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "==> installing PyYAML (python3-yaml)"
  if command -v apt-get >/dev/null; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null
  fi
  # A python3 that is not Debian's (pyenv, venv) does not see python3-yaml.
  python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
  python3 -c 'import yaml' 2>/dev/null || { echo "check-deploy: cannot import yaml" >&2; exit 1; }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> kubectl kustomize deploy/kubernetes/base"
kubectl kustomize deploy/kubernetes/base >"$work/base.yaml"
echo "==> kubectl kustomize deploy/kubernetes/overlays/replicas-postgres-redis"
kubectl kustomize deploy/kubernetes/overlays/replicas-postgres-redis >"$work/overlay.yaml"

python3 - "$work/base.yaml" "$work/overlay.yaml" <<'PY'
import os
import re
import sys

import yaml

base_path, overlay_path = sys.argv[1], sys.argv[2]
failures = []
warnings = []


def check(ok, message):
    if ok:
        print(f"ok    {message}")
    else:
        print(f"FAIL  {message}")
        failures.append(message)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def find(docs, kind, name=None):
    return [d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs, kind, name, label):
    found = find(docs, kind, name)
    check(len(found) == 1, f"{label}: one {kind} {name}")
    return found[0] if found else {}


def env_map(container):
    return {e["name"]: e for e in container.get("env", [])}


def from_secret(env, name):
    ref = env.get(name, {}).get("valueFrom", {}).get("secretKeyRef", {})
    return ref.get("name") == "firebreak-secrets" and ref.get("key") == name and "value" not in env.get(name, {})


# --- Kubernetes ------------------------------------------------------------------------------
base = load_all(base_path)
overlay = load_all(overlay_path)

for label, docs in (("base", base), ("overlay", overlay)):
    check(not find(docs, "Secret"), f"{label}: no Secret is rendered (tokens come from firebreak-secrets)")
    deployment = one(docs, "Deployment", "firebreak", label)
    spec = deployment.get("spec", {}).get("template", {}).get("spec", {})
    containers = spec.get("containers", [{}])
    c = containers[0]
    check(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health/live", f"{label}: liveness probe on /health/live")
    check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/health/ready", f"{label}: readiness probe on /health/ready")
    check(any(p.get("containerPort") == 3000 for p in c.get("ports", [])), f"{label}: container port 3000")
    resources = c.get("resources", {})
    check(bool(resources.get("requests")) and bool(resources.get("limits")), f"{label}: resource requests and limits")
    check(spec.get("securityContext", {}).get("runAsNonRoot") is True, f"{label}: runAsNonRoot")
    check(c.get("securityContext", {}).get("readOnlyRootFilesystem") is True, f"{label}: readOnlyRootFilesystem")
    check(spec.get("serviceAccountName") == "firebreak", f"{label}: runs as ServiceAccount firebreak")
    env = env_map(c)
    for key in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "FIREBREAK_API_TOKEN", "ALERTMANAGER_TOKEN"):
        check(from_secret(env, key), f"{label}: {key} from Secret firebreak-secrets")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    config_volume = volumes.get(mounts.get("/etc/firebreak"), {})
    config_name = config_volume.get("configMap", {}).get("name", "")
    check(env.get("FIREBREAK_CONFIG", {}).get("value") == "/etc/firebreak/firebreak.toml" and config_name.startswith("firebreak-config"),
          f"{label}: firebreak.toml from the generated ConfigMap at /etc/firebreak")
    configmaps = [d for d in find(docs, "ConfigMap") if d["metadata"]["name"] == config_name]
    with open("deploy/config/firebreak.example.toml", encoding="utf-8") as f:
        example = f.read()
    check(len(configmaps) == 1 and configmaps[0].get("data", {}).get("firebreak.toml") == example,
          f"{label}: ConfigMap {config_name} holds deploy/config/firebreak.example.toml")
    service = one(docs, "Service", "firebreak", label)
    ports = service.get("spec", {}).get("ports", [])
    check(any(p.get("port") == 80 and p.get("targetPort") in (3000, "http") for p in ports), f"{label}: Service port 80 → 3000")

    for role in find(docs, "ClusterRole"):
        verbs = {v for rule in role.get("rules", []) for v in rule.get("verbs", [])}
        check(verbs <= {"get", "list", "watch"}, f"{label}: ClusterRole {role['metadata']['name']} verbs are only get/list/watch (found {sorted(verbs)})")
    diag = one(docs, "ClusterRole", "firebreak-diagnostics", label)
    readable = {(g, r) for rule in diag.get("rules", []) for g in rule.get("apiGroups", []) for r in rule.get("resources", [])}
    for need in (("", "pods"), ("", "pods/log"), ("", "events"), ("events.k8s.io", "events"), ("apps", "deployments"), ("apps", "replicasets")):
        check(need in readable, f"{label}: diagnostics read {need[1]} ({need[0] or 'core'})")
    for binding in find(docs, "ClusterRoleBinding") + find(docs, "RoleBinding"):
        subjects = binding.get("subjects", [])
        check(any(s.get("kind") == "ServiceAccount" and s.get("name") == "firebreak" and s.get("namespace") for s in subjects),
              f"{label}: {binding['kind']} {binding['metadata']['name']} binds ServiceAccount firebreak")
    for kind in ("PodDisruptionBudget", "NetworkPolicy", "ServiceAccount"):
        check(len(find(docs, kind)) == 1, f"{label}: one {kind}")
    policy = (find(docs, "NetworkPolicy") or [{}])[0].get("spec", {})
    check(any(not rule.get("from") and any(p.get("port") == 3000 for p in rule.get("ports", [])) for rule in policy.get("ingress", [])),
          f"{label}: NetworkPolicy lets anyone reach port 3000 (Slack, Alertmanager)")
    egress_ports = {p.get("port") for rule in policy.get("egress", []) for p in rule.get("ports", [])}
    check({53, 443, 5432, 6379} <= egress_ports, f"{label}: NetworkPolicy egress to DNS, 443, 5432, 6379")

    # The remediation Role: in the namespace each example runbook action names, with the verbs
    # its action uses, on the named objects.
    roles = {}
    for role in find(docs, "Role"):
        namespace = role["metadata"].get("namespace")
        check(bool(namespace), f"{label}: Role {role['metadata']['name']} names its namespace explicitly")
        roles.setdefault(namespace, []).extend(role.get("rules", []))

    def allowed(namespace, group, resource, verb, name=None):
        for rule in roles.get(namespace, []):
            if group in rule.get("apiGroups", []) and resource in rule.get("resources", []) and verb in rule.get("verbs", []):
                names = rule.get("resourceNames")
                if not names or (name is not None and name in names):
                    return True
        return False

    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        tomllib = None
        warnings.append("python3 has no tomllib (3.11+): remediation Role coverage not checked")
    if tomllib is not None:
        with open("deploy/config/firebreak.example.toml", "rb") as f:
            config = tomllib.load(f)
        needs = {
            "k8s_rollout_restart": [("apps", "deployments", "get"), ("apps", "deployments", "patch")],
            "k8s_set_resources": [("apps", "deployments", "get"), ("apps", "deployments", "patch")],
            "k8s_rollout_undo": [("apps", "deployments", "get"), ("apps", "deployments", "patch"), ("apps", "replicasets", "list", None)],
            "k8s_scale": [("apps", "deployments", "get"), ("apps", "deployments/scale", "patch")],
            "maintenance_mode": [("", "configmaps", "get"), ("", "configmaps", "patch"), ("", "configmaps", "create", None)],
        }
        covered = 0
        for runbook in config.get("runbooks", []):
            for action in runbook.get("actions", []):
                kind = action.get("kind")
                if kind not in needs:
                    continue
                namespace = action.get("namespace", "default")
                target = action.get("deployment") or action.get("configmap")
                for need in needs[kind]:
                    group, resource, verb = need[:3]
                    name = need[3] if len(need) > 3 else target
                    if not allowed(namespace, group, resource, verb, name):
                        check(False, f"{label}: Role in {namespace} lets {action['name']} {verb} {resource} {name or ''}".rstrip())
                        break
                else:
                    covered += 1
        check(covered > 0, f"{label}: remediation Role covers the {covered} k8s actions of the example runbooks")

check(one(base, "Deployment", "firebreak", "base").get("spec", {}).get("replicas") == 1, "base: replicas: 1")
check(one(base, "PodDisruptionBudget", "firebreak", "base").get("spec", {}).get("maxUnavailable") == 1, "base: PodDisruptionBudget maxUnavailable: 1")
check(re.search(r"^  replicas: 2$", open(overlay_path, encoding="utf-8").read(), re.M) is not None, "overlay: replicas: 2")
overlay_deployment = one(overlay, "Deployment", "firebreak", "overlay")
overlay_pdb = one(overlay, "PodDisruptionBudget", "firebreak", "overlay").get("spec", {})
check(overlay_pdb.get("minAvailable") == 1 and "maxUnavailable" not in overlay_pdb, "overlay: PodDisruptionBudget minAvailable: 1")
overlay_env = env_map(overlay_deployment["spec"]["template"]["spec"]["containers"][0])
check(from_secret(overlay_env, "DATABASE_URL") and from_secret(overlay_env, "REDIS_URL"), "overlay: DATABASE_URL and REDIS_URL from Secret firebreak-secrets")

# --- Dockerfile ------------------------------------------------------------------------------
with open("deploy/Dockerfile", encoding="utf-8") as f:
    dockerfile = f.read()
for pattern, message in (
    (r"^FROM rust:1\.95-bookworm AS builder$", "Dockerfile: rust:1.95-bookworm builder"),
    (r"cargo build --release -p firebreak --locked", "Dockerfile: cargo build --release -p firebreak --locked"),
    (r"^FROM debian:bookworm-slim", "Dockerfile: debian:bookworm-slim runtime"),
    (r"^USER 10001", "Dockerfile: non-root user 10001"),
    (r"^EXPOSE 3000$", "Dockerfile: EXPOSE 3000"),
    (r"^HEALTHCHECK [^\n]*(\\\n[^\n]*)*/health/live", "Dockerfile: HEALTHCHECK on /health/live"),
    (r'^ENTRYPOINT \["firebreak"\]$', "Dockerfile: ENTRYPOINT firebreak"),
):
    check(re.search(pattern, dockerfile, re.M) is not None, message)
with open(".dockerignore", encoding="utf-8") as f:
    ignored = {line.strip().rstrip("/") for line in f if line.strip() and not line.startswith("#")}
check({"target", "target-wt", ".git"} <= ignored, ".dockerignore: target/, target-wt/, .git")

# --- docker compose --------------------------------------------------------------------------
compose = load("deploy/docker-compose.yml")
services = compose.get("services", {})
check({"firebreak", "postgres", "redis"} <= set(services), "compose: services firebreak, postgres, redis")
check(services.get("postgres", {}).get("image") == "postgres:15" and services.get("redis", {}).get("image") == "redis:7",
      "compose: postgres:15 and redis:7")
for name, service in services.items():
    check(bool(service.get("healthcheck", {}).get("test")), f"compose: {name} has a healthcheck")
depends = services.get("firebreak", {}).get("depends_on", {})
check(all(depends.get(s, {}).get("condition") == "service_healthy" for s in ("postgres", "redis")),
      "compose: firebreak waits for healthy postgres and redis")
check(services.get("firebreak", {}).get("env_file") in (".env", [".env"]), "compose: firebreak reads .env")
socket_users = [n for n, s in services.items() if any("docker.sock" in str(v) for v in s.get("volumes", []))]
check(socket_users == ["firebreak"], f"compose: only firebreak mounts the Docker socket (found {socket_users})")

# --- Slack app manifest and scopes -----------------------------------------------------------
manifest = load("deploy/slack-app-manifest.yaml")
commands = [c.get("command") for c in manifest.get("features", {}).get("slash_commands", [])]
check(commands == ["/incident"], "manifest: the /incident slash command")
settings = manifest.get("settings", {})
check(settings.get("interactivity", {}).get("is_enabled") is True, "manifest: interactivity on")
check(settings.get("socket_mode_enabled") is True, "manifest: Socket Mode on")
events = settings.get("event_subscriptions", {}).get("bot_events", [])
for event in ("reaction_added", "reaction_removed", "message.channels", "message.groups"):
    check(event in events, f"manifest: subscribes to {event}")
declared = manifest.get("oauth_config", {}).get("scopes", {}).get("bot", [])
check(len(declared) == len(set(declared)), "manifest: no scope declared twice")
declared = set(declared)
check("commands" in declared, "manifest: declares commands (the slash command)")

table = {}
with open("deploy/slack-scopes.tsv", encoding="utf-8") as f:
    for number, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            check(False, f"slack-scopes.tsv:{number}: expected <method or event:name><TAB><scope or ->")
            continue
        table.setdefault(fields[0], set())
        if fields[1] != "-":
            table[fields[0]].add(fields[1])

# Every Web API method named in bot/src (the same families scripts grep for, and more).
method = re.compile(r'"((?:admin|apps|assistant|auth|bookmarks|bots|canvases|chat|conversations|dialog|dnd|emoji|files|pins'
                    r'|reactions|reminders|search|team|usergroups|users|views|workflows)\.[A-Za-z.]+)"')
called = {}
for root, _dirs, files in os.walk("bot/src"):
    for file in files:
        if file.endswith(".rs"):
            path = os.path.join(root, file)
            with open(path, encoding="utf-8") as f:
                for found in method.findall(f.read()):
                    called.setdefault(found, path)
check(bool(called), f"bot/src calls {len(called)} Web API methods")
for name in sorted(called):
    check(name in table, f"slack-scopes.tsv lists {name} (called in {called[name]})")
for event in events:
    check(f"event:{event}" in table, f"slack-scopes.tsv lists event:{event}")

needed = set()
for name in list(called) + [f"event:{e}" for e in events]:
    needed |= table.get(name, set())
for scope in sorted(needed):
    check(scope in declared, f"manifest declares {scope}")
extra = declared - needed - {"commands"}
check(not extra, f"manifest declares no scope that no method or event needs (extra: {sorted(extra)})")
for name in sorted(set(table) - set(called) - {f"event:{e}" for e in events}):
    warnings.append(f"slack-scopes.tsv lists {name}, which bot/src does not call (its scope counts for nothing)")

for warning in dict.fromkeys(warnings):
    print(f"warn  {warning}")
if failures:
    print(f"\ncheck-deploy: {len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("\ncheck-deploy: all checks passed")
PY
