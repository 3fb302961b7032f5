{{/*
Names, labels and shared pod pieces. Every object name and label comes from here, so a
release's objects are always found by the same selectors.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "autcloud.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>" (or just the release when it already contains the chart name), cut
to 45 characters so the longest suffix ("-operator-metrics", 17) keeps every name a 63-character
DNS label. */}}
{{- define "autcloud.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "name-version" for the helm.sh/chart label. */}}
{{- define "autcloud.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The version label: the image tag in use (appVersion unless image.tag is set). */}}
{{- define "autcloud.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. Call with (dict "ctx" $ "component" "operator"). */}}
{{- define "autcloud.labels" -}}
helm.sh/chart: {{ include "autcloud.chart" .ctx }}
{{ include "autcloud.selectorLabels" . }}
app.kubernetes.io/version: {{ include "autcloud.version" .ctx | quote }}
app.kubernetes.io/part-of: autcloud
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The labels a Service or Deployment selects on: never changes across upgrades. */}}
{{- define "autcloud.selectorLabels" -}}
app.kubernetes.io/name: {{ include "autcloud.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The AutCloud image reference: the digest wins over the tag. */}}
{{- define "autcloud.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "autcloud.version" .) }}
{{- end }}
{{- end }}

{{- define "autcloud.operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (printf "%s-operator" (include "autcloud.fullname" .)) .Values.serviceAccount.operator.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.operator.name }}
{{- end }}
{{- end }}

{{- define "autcloud.gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (printf "%s-gateway" (include "autcloud.fullname" .)) .Values.serviceAccount.gateway.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.gateway.name }}
{{- end }}
{{- end }}

{{/* The namespaces the operator serves (and is granted RBAC in), as a list. */}}
{{- define "autcloud.watchNamespaces" -}}
{{- if .Values.operator.watchNamespaces }}
{{- toJson (uniq .Values.operator.watchNamespaces) }}
{{- else }}
{{- toJson (list .Release.Namespace) }}
{{- end }}
{{- end }}

{{/* In-cluster address of the chart's Redis. */}}
{{- define "autcloud.redis.host" -}}
{{- printf "%s-redis.%s.svc" (include "autcloud.fullname" .) .Release.Namespace }}
{{- end }}

{{/*
AUTCLOUD_REDIS_URL (and AUTCLOUD_REDIS_PASSWORD) for the operator and the gateway. A password
never appears in the rendered manifest nor in the URL: it comes from a Secret as
AUTCLOUD_REDIS_PASSWORD, which the code uses as is for a URL without a password (so `@ / # : %`
and spaces need no encoding; docs/streaming.md "Redis URLs").
*/}}
{{- define "autcloud.redisEnv" -}}
{{- with .Values.redis.auth.existingSecret }}
- name: AUTCLOUD_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.redis.auth.passwordKey }}
{{- end }}
{{- if .Values.redis.enabled }}
- name: AUTCLOUD_REDIS_URL
  value: {{ printf "redis://%s:%d/0" (include "autcloud.redis.host" .) (int .Values.redis.port) | quote }}
{{- else if .Values.redis.urlSecret.name }}
- name: AUTCLOUD_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.urlSecret.name }}
      key: {{ .Values.redis.urlSecret.key }}
{{- else if .Values.redis.url }}
- name: AUTCLOUD_REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- else }}
{{- fail "redis.enabled is false: set redis.url (no credentials) or redis.urlSecret.name (a Secret holding the URL)" }}
{{- end }}
{{- end }}

{{/*
The chart's Redis `maxmemory` in bytes: 70% of redis.resources.limits.memory. The rest is
headroom for what Redis holds besides the data (client buffers, the AOF rewrite's fork and its
buffer), so Redis refuses writes (noeviction) before the kernel kills it.
*/}}
{{- define "autcloud.redis.maxmemory" -}}
{{- $limit := dig "limits" "memory" "" .Values.redis.resources }}
{{- if kindIs "float64" $limit }}{{ $limit = $limit | int64 | toString }}{{ end }}
{{- $limit = toString $limit }}
{{- $number := regexFind "^[0-9]+" $limit }}
{{- $suffix := trimPrefix $number $limit }}
{{- $factors := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 }}
{{- if or (not $number) (not (hasKey $factors $suffix)) }}
{{- fail (printf "redis.resources.limits.memory: %q is not a whole quantity; set the Redis container's memory limit, e.g. 256Mi (maxmemory is derived from it)" $limit) }}
{{- end }}
{{- div (mul (int64 $number) (int64 (get $factors $suffix)) 70) 100 }}
{{- end }}

{{/* OpenTelemetry settings, in the SDK's standard environment variables. */}}
{{- define "autcloud.tracingEnv" -}}
{{- $exporters := list }}
{{- if .ctx.Values.tracing.otlpEndpoint }}{{ $exporters = append $exporters "otlp" }}{{ end }}
{{- if .ctx.Values.tracing.zipkinEndpoint }}{{ $exporters = append $exporters "zipkin" }}{{ end }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "autcloud-%s" .component | quote }}
- name: OTEL_TRACES_EXPORTER
  value: {{ default "none" (join "," $exporters) | quote }}
{{- with .ctx.Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: http/protobuf
{{- end }}
{{- with .ctx.Values.tracing.zipkinEndpoint }}
- name: OTEL_EXPORTER_ZIPKIN_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if $exporters }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .ctx.Values.tracing.sampleRatio | toString | quote }}
{{- end }}
{{- end }}

{{/* The restricted Pod Security Standard, for every pod and container of the chart. */}}
{{- define "autcloud.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "autcloud.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Environment shared by AutCloud containers: a writable HOME, caches on the mounted volume. */}}
{{- define "autcloud.commonEnv" -}}
- name: HOME
  value: /tmp
- name: XDG_CACHE_HOME
  value: /var/cache
- name: AUTCLOUD_CACHE_DIR
  value: /var/cache/autcloud
- name: PYTHONUNBUFFERED
  value: "1"
{{- end }}

{{/* The operator's rules in a namespace it serves (see rbac-operator.yaml). */}}
{{- define "autcloud.operator.namespacedRules" -}}
- apiGroups: ["autcloud.io"]
  resources: ["infradesigns"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["autcloud.io"]
  resources: ["projecttags", "monitortargets"]
  verbs: ["list", "watch", "patch"]
- apiGroups: ["autcloud.io"]
  resources: ["infradesigns/status", "projecttags/status", "monitortargets/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
# The archive chunks of long conversations (docs/operator.md "Long conversations").
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create"]
- apiGroups: [""]
  resources: ["secrets"]
  {{- with .Values.rbac.secretNames }}
  resourceNames: {{ toJson (uniq .) }}
  {{- end }}
  verbs: ["get"]
{{- end }}

{{/* The operator's leader-election Lease (operator.leaderElection), in the release namespace. */}}
{{- define "autcloud.operator.leaseName" -}}
{{- .Values.operator.leaderElection.leaseName | default (printf "%s-operator" (include "autcloud.fullname" .)) -}}
{{- end }}

{{/*
The gateway's --metrics-listen port, or "" for none: gateway.metricsPort, else 9090 when a
ServiceMonitor scrapes the gateway (/metrics on the http port needs the bearer token).
*/}}
{{- define "autcloud.gateway.metricsPort" -}}
{{- if not (kindIs "invalid" .Values.gateway.metricsPort) -}}
{{- .Values.gateway.metricsPort | int -}}
{{- else if .Values.metrics.serviceMonitor.enabled -}}
9090
{{- end -}}
{{- end }}
