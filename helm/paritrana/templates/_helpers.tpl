{{/*
Helpers shared by every template. Component helpers take a dict: (dict "ctx" $ "component" "registry").
*/}}

{{- define "paritrana.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "paritrana.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* FULLNAME-COMPONENT, e.g. myrelease-paritrana-registry; 52 characters at most so that
StatefulSet pods and their controller-revision-hash labels stay within 63. */}}
{{- define "paritrana.componentName" -}}
{{- printf "%s-%s" (include "paritrana.fullname" .ctx | trunc (int (sub 51 (len .component)))) .component | trimSuffix "-" -}}
{{- end -}}

{{- define "paritrana.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "paritrana.selectorLabels" -}}
app.kubernetes.io/name: {{ include "paritrana.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "paritrana.labels" -}}
helm.sh/chart: {{ include "paritrana.chart" .ctx }}
{{ include "paritrana.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: paritrana
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "paritrana.image" -}}
{{- $v := index .ctx.Values .component -}}
{{- if $v.image.digest -}}
{{- printf "%s@%s" $v.image.repository $v.image.digest -}}
{{- else -}}
{{- $tag := default .ctx.Chart.AppVersion $v.image.tag | toString -}}
{{- if or (eq $tag "latest") (eq $tag "") -}}
{{- fail (printf "%s.image.tag: give a version (or leave it empty for the chart's appVersion); `latest` is not deployable repeatably" .component) -}}
{{- end -}}
{{- printf "%s:%s" $v.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "paritrana.serviceAccountName" -}}
{{- $v := index .ctx.Values .component -}}
{{- if $v.serviceAccount.create -}}
{{- default (include "paritrana.componentName" .) $v.serviceAccount.name -}}
{{- else -}}
{{- default "default" $v.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* "sqlite" or "postgres" for registry and award; "" for coverage. */}}
{{- define "paritrana.storeType" -}}
{{- $v := index .ctx.Values .component -}}
{{- if hasKey $v "store" -}}{{ $v.store.type }}{{- end -}}
{{- end -}}

{{- define "paritrana.stateful" -}}
{{- if eq (include "paritrana.storeType" .) "sqlite" -}}true{{- end -}}
{{- end -}}

{{- define "paritrana.inClusterRedis" -}}
{{- if and .Values.redis.enabled (not .Values.redis.external.address) -}}true{{- end -}}
{{- end -}}

{{/* HOST:PORT of Redis, or "" when there is none. */}}
{{- define "paritrana.redisAddress" -}}
{{- if .Values.redis.enabled -}}
{{- if .Values.redis.external.address -}}
{{- .Values.redis.external.address -}}
{{- else -}}
{{- printf "%s:%d" (include "paritrana.componentName" (dict "ctx" . "component" "redis")) (int .Values.redis.inCluster.port) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Address another service is called at: its headless Service, through gRPC's DNS resolver,
so that a caller resolves every ready pod and its channel spreads calls over them (round robin,
clients/channel.h); the ClusterIP name would pin each caller to one pod. The certificates name
the headless Service too. */}}
{{- define "paritrana.address" -}}
{{- $v := index .ctx.Values .component -}}
{{- printf "dns:///%s-headless:%d" (include "paritrana.componentName" .) (int $v.port) -}}
{{- end -}}

{{/* Effective security switches. dev.insecure overrides everything: plaintext, no --production. */}}
{{- define "paritrana.tlsOn" -}}
{{- if and .Values.tls.enabled (not .Values.dev.insecure) -}}true{{- end -}}
{{- end -}}

{{- define "paritrana.mutualTls" -}}
{{- if and (include "paritrana.tlsOn" .) .Values.tls.mutual -}}true{{- end -}}
{{- end -}}

{{- define "paritrana.production" -}}
{{- if and .Values.production (not .Values.dev.insecure) -}}true{{- end -}}
{{- end -}}

{{/* The components the chart deploys, space-separated: the three services, and the gateway when
it is enabled. Each has a workload, a ServiceAccount, optionally an autoscaler and a disruption
budget, and, under TLS, a certificate (the gateway's: its client certificate to the services, and
its HTTPS certificate). */}}
{{- define "paritrana.components" -}}
{{- $components := list "registry" "coverage" "award" -}}
{{- if .Values.gateway.enabled -}}{{- $components = append $components "gateway" -}}{{- end -}}
{{- join " " $components -}}
{{- end -}}

{{/* "true" when the chart generates the CA and the certificates: TLS on and no
<component>.tls.secretName given. Giving some but not all is refused: the generated certificates
and the given ones would not trust each other. */}}
{{- define "paritrana.generateTls" -}}
{{- if include "paritrana.tlsOn" . -}}
{{- $components := splitList " " (include "paritrana.components" .) -}}
{{- $given := list -}}
{{- range $component := $components -}}
{{- if (index $.Values $component).tls.secretName -}}{{- $given = append $given $component -}}{{- end -}}
{{- end -}}
{{- if not $given -}}
true
{{- else if lt (len $given) (len $components) -}}
{{- $names := list -}}
{{- range $component := $components -}}{{- $names = append $names (printf "%s.tls.secretName" $component) -}}{{- end -}}
{{- fail (printf "tls: give %s together (only %s given), or none of them to let the chart generate a CA and every certificate" (join ", " $names) (join ", " $given)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The DNS names of a component's generated certificate, comma-separated: its Service (and the
services' `-headless` twin) as NAME, NAME.NAMESPACE, NAME.NAMESPACE.svc and
NAME.NAMESPACE.svc.DOMAIN. The first is also the certificate's common name. */}}
{{- define "paritrana.dnsNames" -}}
{{- $service := include "paritrana.componentName" . -}}
{{- $ns := .ctx.Release.Namespace -}}
{{- $hosts := list $service -}}
{{- if ne .component "gateway" -}}{{- $hosts = append $hosts (printf "%s-headless" $service) -}}{{- end -}}
{{- $names := list -}}
{{- range $host := $hosts -}}
{{- $names = concat $names (list $host (printf "%s.%s" $host $ns) (printf "%s.%s.svc" $host $ns) (printf "%s.%s.svc.%s" $host $ns $.ctx.Values.tls.generate.clusterDomain)) -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{- define "paritrana.tlsSecretName" -}}
{{- $v := index .ctx.Values .component -}}
{{- default (printf "%s-tls" (include "paritrana.componentName" .)) $v.tls.secretName -}}
{{- end -}}

{{- define "paritrana.clientCertificatesSecret" -}}
{{- include "paritrana.componentName" (dict "ctx" . "component" "client-certificates") -}}
{{- end -}}

{{/* Lines of the client certificates file (`SAN_OR_CN PRINCIPAL ROLE[,ROLE...] [REGION,...]`): the
services that call others, named by their Service (the certificates name it), then
auth.clientCertificates. A name listed twice is refused here, as the services would refuse it. */}}
{{- define "paritrana.clientCertificatesFile" -}}
{{- $lines := list -}}
{{- $names := dict -}}
{{- range $component, $principal := dict "coverage" "coverage-service" "award" "award-service" -}}
{{- $name := include "paritrana.componentName" (dict "ctx" $ "component" $component) -}}
{{- $_ := set $names $name true -}}
{{- $lines = append $lines (printf "%s %s analyst" $name $principal) -}}
{{- end -}}
{{- /* The gateway's certificate is never listed: alone it must grant nothing, every call through
the gateway being the caller's own (its bearer token). */ -}}
{{- $gateway := list -}}
{{- if .Values.gateway.enabled -}}{{- $gateway = splitList "," (include "paritrana.dnsNames" (dict "ctx" $ "component" "gateway")) -}}{{- end -}}
{{- range $i, $c := .Values.auth.clientCertificates -}}
{{- if has $c.name $gateway -}}
{{- fail (printf "auth.clientCertificates[%d]: %s is the gateway's certificate, which must grant no role: the gateway forwards each caller's bearer token, and the services identify the caller by it" $i $c.name) -}}
{{- end -}}
{{- if hasKey $names $c.name -}}
{{- fail (printf "auth.clientCertificates[%d]: %s is listed twice (the services' own certificates are %s)" $i $c.name (keys $names | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $_ := set $names $c.name true -}}
{{- $line := printf "%s %s %s" $c.name $c.principal (join "," $c.roles) -}}
{{- with $c.regions -}}{{- $line = printf "%s %s" $line (join "," .) -}}{{- end -}}
{{- $lines = append $lines $line -}}
{{- end -}}
# Generated by the Paritrana chart: SAN_OR_CN PRINCIPAL ROLE[,ROLE...] [REGION,...]
{{ join "\n" $lines }}
{{ end -}}

{{/* Refuses values the services would refuse at start, with the reason. */}}
{{- define "paritrana.checkSecurity" -}}
{{- $values := .Values -}}
{{- $jwt := $values.auth.jwt -}}
{{- if and $jwt.jwksSecret.name (or (not $jwt.issuer) (not $jwt.audience)) -}}
{{- fail "auth.jwt: a JWKS needs auth.jwt.issuer and auth.jwt.audience" -}}
{{- end -}}
{{- if include "paritrana.production" . -}}
{{- if not $values.tls.enabled -}}
{{- fail "tls.enabled=false: --production refuses plaintext; set dev.insecure=true on a development cluster (or production=false)" -}}
{{- end -}}
{{- if $values.auth.tokensSecret.name -}}
{{- fail "auth.tokensSecret: --production refuses static tokens (development only); identify callers by client certificates (auth.clientCertificates) or JWTs (auth.jwt), or set dev.insecure=true on a development cluster" -}}
{{- end -}}
{{- if not (or $values.tls.mutual $jwt.jwksSecret.name) -}}
{{- fail "tls.mutual=false without auth.jwt: --production refuses authentication off; keep tls.mutual (client certificates) or give auth.jwt" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Where every secret file a service reads lives: a memory-backed emptyDir the secretFiles init
container fills with copies private to the service user. */}}
{{- define "paritrana.secretDir" -}}/run/paritrana/secrets{{- end -}}

{{/* Flags every service takes: listen address, transport security, identity, shutdown, logs,
metrics. */}}
{{- define "paritrana.commonArgs" -}}
{{- $v := index .ctx.Values .component -}}
{{- $values := .ctx.Values -}}
{{- $dir := include "paritrana.secretDir" . -}}
- --listen=0.0.0.0:{{ $v.port }}
{{- if include "paritrana.tlsOn" .ctx }}
- --tls_cert={{ $dir }}/tls.crt
- --tls_key={{ $dir }}/tls.key
{{- if $values.tls.mutual }}
- --tls_ca={{ $dir }}/ca.crt
- --client_certificates_file={{ $dir }}/client-certificates
{{- end }}
{{- else }}
- --plaintext
{{- end }}
{{- if include "paritrana.production" .ctx }}
- --production
{{- end }}
{{- with $values.auth.jwt }}
{{- if .jwksSecret.name }}
- --jwks_file={{ $dir }}/jwks.json
- --jwt_issuer={{ .issuer }}
- --jwt_audience={{ .audience }}
{{- end }}
{{- end }}
{{- if $values.auth.tokensSecret.name }}
- --tokens_file={{ $dir }}/tokens
{{- end }}
- --drain_grace={{ $values.server.drainGraceSeconds }}s
- --shutdown_deadline={{ $values.server.shutdownDeadlineSeconds }}s
- --log_level={{ $values.server.logLevel }}
{{- if $values.metrics.enabled }}
- --metrics_listen=0.0.0.0:{{ $values.metrics.port }}
{{- end }}
{{- end -}}

{{/* The bearer token a service sends when it calls another (coverage, award): env PARITRANA_TOKEN
(--token) from a Secret. */}}
{{- define "paritrana.authEnv" -}}
{{- $v := index .ctx.Values .component -}}
{{- if and (hasKey $v "auth") $v.auth.tokenSecret.name }}
- name: PARITRANA_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $v.auth.tokenSecret.name }}
      key: {{ $v.auth.tokenSecret.key }}
{{- end }}
{{- end -}}

{{/* Name of the CloudNativePG Cluster holding a service's database: FULLNAME-COMPONENT-db, at most
50 characters (CloudNativePG's limit: it derives pod, Service, Secret and Job names from it). */}}
{{- define "paritrana.cnpgClusterName" -}}
{{- $name := printf "%s-%s-db" (include "paritrana.fullname" .ctx | trunc (int (sub 46 (len .component))) | trimSuffix "-") .component -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- fail (printf "the CloudNativePG Cluster name %q is not a DNS-1035 label (a lowercase letter first): choose another release name or fullnameOverride" $name) -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{/* Where a PostgreSQL store connects: "cnpg" (the chart's CloudNativePG Cluster), "external" (the
connection string in store.postgres.dsnSecret), or "" when the store is not PostgreSQL. Fails on
values that name both, or neither. */}}
{{- define "paritrana.postgresSource" -}}
{{- $v := index .ctx.Values .component -}}
{{- if eq (include "paritrana.storeType" .) "postgres" -}}
{{- $pg := $v.store.postgres -}}
{{- if .ctx.Values.postgresql.cloudnativepg.enabled -}}
{{- if or $pg.dsnSecret.name $pg.passwordSecret.name $pg.caSecret.name -}}
{{- fail (printf "%s.store.postgres: with postgresql.cloudnativepg.enabled the service connects to its CloudNativePG Cluster; leave dsnSecret, passwordSecret and caSecret empty" .component) -}}
{{- end -}}
cnpg
{{- else -}}
{{- if not $pg.dsnSecret.name -}}
{{- fail (printf "%s.store.postgres.dsnSecret.name is required with store.type postgres (or set postgresql.cloudnativepg.enabled)" .component) -}}
{{- end -}}
external
{{- end -}}
{{- end -}}
{{- end -}}

{{/* PostgreSQL settings through the environment, so that none appears in the process arguments:
PARITRANA_STORE (--store) holds the connection string without a password; libpq reads the
password from PGPASSWORD and the CA certificate's path from PGSSLROOTCERT. Why PGPASSWORD from the
Secret rather than a password file (PGPASSFILE): libpq ignores a password file that its group can
read, and a Secret volume under the pod's fsGroup always is, so a file would need a copying init
container in every pod (as the NIK key has); the variable is the path every other credential of
the chart takes (PARITRANA_TOKEN), CloudNativePG's `CLUSTER-app` Secret holds the bare password
under `password`, and on Linux a process's environment is readable only by its own user and root. */}}
{{- define "paritrana.storeEnv" -}}
{{- $v := index .ctx.Values .component -}}
{{- $source := include "paritrana.postgresSource" . -}}
{{- if eq $source "cnpg" }}
{{- $cluster := include "paritrana.cnpgClusterName" . }}
{{- $cnpg := .ctx.Values.postgresql.cloudnativepg }}
- name: PARITRANA_STORE
  value: {{ printf "postgres:host=%s-rw port=5432 dbname=%s user=%s sslmode=verify-full" $cluster $cnpg.database $cnpg.owner | quote }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $cluster }}-app
      key: password
- name: PGSSLROOTCERT
  value: /etc/paritrana/postgres-ca/ca.crt
{{- else if eq $source "external" }}
{{- $pg := $v.store.postgres }}
- name: STORE_POSTGRES_DSN
  valueFrom:
    secretKeyRef:
      name: {{ $pg.dsnSecret.name }}
      key: {{ $pg.dsnSecret.key }}
- name: PARITRANA_STORE
  value: postgres:$(STORE_POSTGRES_DSN)
{{- with $pg.passwordSecret.name }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $pg.passwordSecret.key }}
{{- end }}
{{- if $pg.caSecret.name }}
- name: PGSSLROOTCERT
  value: /etc/paritrana/postgres-ca/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/* The CA certificate PGSSLROOTCERT names: from the CloudNativePG Cluster's `CLUSTER-ca` Secret
(only its ca.crt, never the CA key beside it), or from store.postgres.caSecret. */}}
{{- define "paritrana.storeVolumes" -}}
{{- $v := index .ctx.Values .component -}}
{{- $source := include "paritrana.postgresSource" . -}}
{{- $secret := "" -}}
{{- $key := "ca.crt" -}}
{{- if eq $source "cnpg" -}}
{{- $secret = printf "%s-ca" (include "paritrana.cnpgClusterName" .) -}}
{{- else if and (eq $source "external") $v.store.postgres.caSecret.name -}}
{{- $secret = $v.store.postgres.caSecret.name -}}
{{- $key = $v.store.postgres.caSecret.key -}}
{{- end -}}
{{- if $secret }}
- name: postgres-ca
  secret:
    secretName: {{ $secret }}
    defaultMode: 0440
    items:
      - key: {{ $key }}
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "paritrana.storeVolumeMounts" -}}
{{- if include "paritrana.storeVolumes" . }}
- name: postgres-ca
  mountPath: /etc/paritrana/postgres-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* The Secret with the password the services send to Redis (key: redisPasswordKey), or "". The
in-cluster Redis's is generated (redis.yaml). */}}
{{- define "paritrana.redisPasswordSecret" -}}
{{- $r := .Values.redis -}}
{{- if $r.enabled -}}
{{- if $r.external.address -}}
{{- $r.external.passwordSecret.name -}}
{{- else -}}
{{- include "paritrana.componentName" (dict "ctx" . "component" "redis-auth") -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "paritrana.redisPasswordKey" -}}
{{- if .Values.redis.external.address -}}{{ .Values.redis.external.passwordSecret.key }}{{- else -}}password{{- end -}}
{{- end -}}

{{- define "paritrana.cacheKeySecret" -}}
{{- .Values.coverage.cacheKey.secret.name | default (include "paritrana.componentName" (dict "ctx" . "component" "coverage-cache-key")) -}}
{{- end -}}

{{/* The registry's NIK key Secret: registry.nikKey.secret, or the generated one (SQLite only). */}}
{{- define "paritrana.nikKeySecret" -}}
{{- .Values.registry.nikKey.secret.name | default (include "paritrana.componentName" (dict "ctx" . "component" "registry-nik")) -}}
{{- end -}}

{{/* Secret files of a service: TLS key pair and CA, client certificates file, JWKS, tokens file,
NIK key (registry), Redis password (registry, coverage), cache MAC key (coverage); of the gateway:
its TLS key pair and CA, and its own HTTPS key pair when gateway.http.tls.secretName is set. The services
refuse a secret file its group or others may read, but a Secret volume's 0400 becomes 0440 under
fsGroup (and without fsGroup the file is root's alone); so each Secret is mounted (0400) only into
an init container that runs as the service user and copies the files with mode 0600 into a
memory-backed emptyDir (paritrana.secretDir), which the service mounts read-only: the service
sees each file owned by itself, mode 0600. Renders a dict of "args" (the Redis flags),
"volumes", "volumeMounts" and "initContainer" (YAML strings). */}}
{{- define "paritrana.secretFiles" -}}
{{- $ctx := .ctx -}}
{{- $values := $ctx.Values -}}
{{- $v := index $values .component -}}
{{- $dir := include "paritrana.secretDir" . -}}
{{- $sources := list -}}
{{- $args := "" -}}
{{- if include "paritrana.tlsOn" $ctx -}}
{{- $files := list "tls.crt" "tls.key" -}}
{{- if $values.tls.mutual -}}{{- $files = append $files "ca.crt" -}}{{- end -}}
{{- $sources = append $sources (dict "volume" "tls" "secret" (include "paritrana.tlsSecretName" .) "keys" $files "files" $files) -}}
{{- if and $values.tls.mutual (ne .component "gateway") -}}
{{- $sources = append $sources (dict "volume" "client-certificates" "secret" (include "paritrana.clientCertificatesSecret" $ctx) "keys" (list "client-certificates") "files" (list "client-certificates")) -}}
{{- end -}}
{{- end -}}
{{- /* The gateway authenticates nobody (the services do, by the token it forwards): no JWKS, no
tokens file; only its own HTTPS key pair when that is a Secret of its own. */ -}}
{{- if eq .component "gateway" -}}
{{- with $v.http.tls.secretName -}}
{{- if $v.http.tls.enabled -}}
{{- $sources = append $sources (dict "volume" "http-tls" "secret" . "keys" (list "tls.crt" "tls.key") "files" (list "http-tls.crt" "http-tls.key")) -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- with $values.auth.jwt.jwksSecret -}}
{{- if .name -}}
{{- $sources = append $sources (dict "volume" "jwks" "secret" .name "keys" (list .key) "files" (list "jwks.json")) -}}
{{- end -}}
{{- end -}}
{{- with $values.auth.tokensSecret -}}
{{- if .name -}}
{{- $sources = append $sources (dict "volume" "tokens" "secret" .name "keys" (list .key) "files" (list "tokens")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq .component "registry" -}}
{{- $sources = append $sources (dict "volume" "nik-key" "secret" (include "paritrana.nikKeySecret" $ctx) "keys" (list $v.nikKey.secret.key) "files" (list "nik.key")) -}}
{{- end -}}
{{- if and (include "paritrana.redisAddress" $ctx) (has .component (list "registry" "coverage")) -}}
{{- $password := include "paritrana.redisPasswordSecret" $ctx -}}
{{- if $password -}}
{{- if $values.redis.user -}}
{{- $args = printf "%s\n- --redis_user=%s" $args $values.redis.user -}}
{{- end -}}
{{- $args = printf "%s\n- --redis_password_file=%s/redis-password" $args $dir -}}
{{- $sources = append $sources (dict "volume" "redis-password" "secret" $password "keys" (list (include "paritrana.redisPasswordKey" $ctx)) "files" (list "redis-password")) -}}
{{- end -}}
{{- if eq .component "coverage" -}}
{{- $args = printf "%s\n- --cache_key_file=%s/cache.key" $args $dir -}}
{{- $sources = append $sources (dict "volume" "cache-key" "secret" (include "paritrana.cacheKeySecret" $ctx) "keys" (list $v.cacheKey.secret.key) "files" (list "cache.key")) -}}
{{- end -}}
{{- end -}}
{{- $out := dict "args" $args "volumes" "" "volumeMounts" "" "initContainer" "" -}}
{{- if $sources -}}
{{- $volumes := "" -}}
{{- $mounts := "" -}}
{{- $paths := list -}}
{{- range $s := $sources -}}
{{- $items := "" -}}
{{- range $i, $key := $s.keys -}}
{{- $file := index $s.files $i -}}
{{- $items = printf "%s\n      - key: %s\n        path: %s" $items $key $file -}}
{{- $paths = append $paths (printf "/etc/paritrana/secret-sources/%s/%s" $s.volume $file) -}}
{{- end -}}
{{- $volumes = printf "%s\n- name: secret-%s\n  secret:\n    secretName: %s\n    defaultMode: 0400\n    items:%s" $volumes $s.volume $s.secret $items -}}
{{- $mounts = printf "%s\n    - name: secret-%s\n      mountPath: /etc/paritrana/secret-sources/%s\n      readOnly: true" $mounts $s.volume $s.volume -}}
{{- end -}}
{{- $volumes = printf "%s\n- name: secrets\n  emptyDir:\n    medium: Memory\n    sizeLimit: 2Mi" $volumes -}}
{{- $command := concat (list "install" "-m" "0600") $paths (list (printf "%s/" $dir)) -}}
{{- $init := printf `- name: secret-files
  image: %s
  imagePullPolicy: %s
  command: %s
  resources:
%s
  securityContext:
%s
  volumeMounts:%s
    - name: secrets
      mountPath: %s` (include "paritrana.image" .) $v.image.pullPolicy (toJson $command) (toYaml $v.resources | indent 4) (toYaml $v.containerSecurityContext | indent 4) $mounts $dir -}}
{{- $_ := set $out "volumes" $volumes -}}
{{- $_ := set $out "volumeMounts" (printf "\n- name: secrets\n  mountPath: %s\n  readOnly: true" $dir) -}}
{{- $_ := set $out "initContainer" $init -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Volumes every service mounts: /tmp. */}}
{{- define "paritrana.commonVolumes" -}}
{{- $v := index .ctx.Values .component -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ $v.tmpSizeLimit }}
{{- end -}}

{{- define "paritrana.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Probes. Native gRPC probes ask grpc.health.v1 for the server's overall status (""), which is
SERVING while every required dependency is up and turns NOT_SERVING on SIGTERM. The kubelet's gRPC
probe cannot speak TLS, so with TLS the probes fall back to a TCP connect on the gRPC port. */}}
{{- define "paritrana.probes" -}}
{{- $v := index .ctx.Values .component -}}
{{- $handler := dict "grpc" (dict "port" (int $v.port)) -}}
{{- if include "paritrana.tlsOn" .ctx -}}
{{- $handler = dict "tcpSocket" (dict "port" "grpc") -}}
{{- end -}}
startupProbe:
  {{- toYaml (merge (deepCopy $handler) $v.probes.startup) | nindent 2 }}
readinessProbe:
  {{- toYaml (merge (deepCopy $handler) $v.probes.readiness) | nindent 2 }}
livenessProbe:
  {{- toYaml (merge (deepCopy $handler) $v.probes.liveness) | nindent 2 }}
{{- end -}}

{{- define "paritrana.checkShutdown" -}}
{{- $s := .Values.server -}}
{{- if le (int $s.terminationGracePeriodSeconds) (add (int $s.drainGraceSeconds) (int $s.shutdownDeadlineSeconds) | int) -}}
{{- fail (printf "server.terminationGracePeriodSeconds (%v) must be greater than drainGraceSeconds + shutdownDeadlineSeconds (%v + %v), or the kubelet kills pods mid-drain" $s.terminationGracePeriodSeconds $s.drainGraceSeconds $s.shutdownDeadlineSeconds) -}}
{{- end -}}
{{- end -}}

{{/*
The workload of one service: a StatefulSet with a volumeClaimTemplate when its store is SQLite,
otherwise a Deployment. Takes the dict of the component helpers plus, as YAML list fragments:
"args", "env", "volumes", "volumeMounts", "initContainers", and optionally "ports", "probes" and
"lifecycle" (the gateway's: an HTTP port and HTTP probes instead of the gRPC port and gRPC probes,
and a preStop pause).
*/}}
{{- define "paritrana.workload" -}}
{{- $ctx := .ctx -}}
{{- $component := .component -}}
{{- $v := index $ctx.Values $component -}}
{{- $stateful := include "paritrana.stateful" . -}}
{{- include "paritrana.checkShutdown" $ctx -}}
{{- include "paritrana.checkSecurity" $ctx -}}
{{- if and $stateful (gt (int $v.replicaCount) 1) -}}
{{- fail (printf "%s.replicaCount: SQLite allows one replica; use store.type postgres for more" $component) -}}
{{- end -}}
{{- if and $stateful $v.autoscaling.enabled -}}
{{- fail (printf "%s.autoscaling: SQLite allows one replica; autoscaling needs store.type postgres" $component) -}}
{{- end -}}
apiVersion: apps/v1
kind: {{ ternary "StatefulSet" "Deployment" (eq $stateful "true") }}
metadata:
  name: {{ include "paritrana.componentName" . }}
  labels:
    {{- include "paritrana.labels" . | nindent 4 }}
spec:
  {{- if not (and (hasKey $v "autoscaling") $v.autoscaling.enabled) }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "paritrana.selectorLabels" . | nindent 6 }}
  {{- if $stateful }}
  serviceName: {{ include "paritrana.componentName" . }}-headless
  podManagementPolicy: OrderedReady
  updateStrategy:
    type: RollingUpdate
  {{- else }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  {{- end }}
  template:
    metadata:
      labels:
        {{- include "paritrana.labels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $v.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "paritrana.serviceAccountName" . }}
      automountServiceAccountToken: false
      # Service links would inject FOO_PORT=tcp://... variables, which can collide with the
      # PARITRANA_<FLAG> variables every flag reads.
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $ctx.Values.server.terminationGracePeriodSeconds }}
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml $v.podSecurityContext | nindent 8 }}
      {{- with .initContainers }}
      initContainers:
        {{- . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $component }}
          image: {{ include "paritrana.image" . }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args:
            {{- .args | nindent 12 }}
            {{- with $v.extraArgs }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- $env := trim (default "" .env) }}
          {{- if or $env $v.extraEnv }}
          env:
            {{- with $env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          ports:
            {{- if .ports }}
            {{- .ports | nindent 12 }}
            {{- else }}
            - name: grpc
              containerPort: {{ $v.port }}
              protocol: TCP
            {{- if $ctx.Values.metrics.enabled }}
            - name: metrics
              containerPort: {{ $ctx.Values.metrics.port }}
              protocol: TCP
            {{- end }}
            {{- end }}
          {{- if .probes }}
          {{- .probes | nindent 10 }}
          {{- else }}
          {{- include "paritrana.probes" . | nindent 10 }}
          {{- end }}
          {{- with .lifecycle }}
          lifecycle:
            {{- . | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $v.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- .volumeMounts | nindent 12 }}
      volumes:
        {{- .volumes | nindent 8 }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  {{- if $stateful }}
  volumeClaimTemplates:
    - metadata:
        name: data
        labels:
          {{- include "paritrana.selectorLabels" . | nindent 10 }}
      spec:
        accessModes:
          {{- toYaml $v.store.sqlite.accessModes | nindent 10 }}
        {{- with $v.store.sqlite.storageClass }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ $v.store.sqlite.size }}
  {{- end }}
{{- end -}}

{{/* "true" when the gateway serves HTTPS: gateway.http.tls.enabled, with a certificate to serve,
its own HTTPS Secret (gateway.http.tls.secretName) or the gateway's TLS certificate (TLS on). */}}
{{- define "paritrana.gatewayHttps" -}}
{{- $h := .Values.gateway.http.tls -}}
{{- if and .Values.gateway.enabled $h.enabled (or $h.secretName (include "paritrana.tlsOn" .)) -}}true{{- end -}}
{{- end -}}
