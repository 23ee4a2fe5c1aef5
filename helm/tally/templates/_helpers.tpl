{{/* Names and labels. */}}
{{- define "tally.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tally.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The headless Service that gives each pod its own DNS name (the StatefulSet's serviceName). */}}
{{- define "tally.headlessName" -}}
{{- printf "%s-headless" (include "tally.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The service's pods; the component keeps the topics Job's pod out of the Services and the budget. */}}
{{- define "tally.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tally.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "tally.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "tally.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "tally.labels" -}}
{{ include "tally.commonLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/* The image the Dockerfile builds: <repository>:<appVersion> unless a tag is given. */}}
{{- define "tally.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
A setting's value as the text Tally parses. Helm reads YAML numbers as float64, which print as
1e+06 once large, so whole numbers are printed as integers.
*/}}
{{- define "tally.settingText" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/*
One environment variable per scalar of a settings map, named as Tally's SettingsLoader names it:
TALLY_ plus the key path in upper snake case (http.syncTimeout → TALLY_HTTP_SYNC_TIMEOUT). Null
values are left out, so the service's own default applies. Keys come out sorted.
Arguments: (dict "prefix" "TALLY" "settings" map).
*/}}
{{- define "tally.settingsEnv" -}}
{{- $prefix := .prefix }}
{{- range $key, $value := .settings }}
{{- $split := regexReplaceAll "([a-z0-9])([A-Z])" $key "${1}_${2}" }}
{{- $snake := regexReplaceAll "[^A-Za-z0-9]" $split "_" | upper }}
{{- $name := printf "%s_%s" $prefix $snake }}
{{- if kindIs "map" $value }}
{{- include "tally.settingsEnv" (dict "prefix" $name "settings" $value) }}
{{- else if not (kindIs "invalid" $value) }}
- name: {{ $name }}
  value: {{ include "tally.settingText" $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* The cluster every Kafka client uses; the embedded broker has no place in a deployment. */}}
{{- define "tally.bootstrapServers" -}}
{{- required "settings.bootstrapServers: set the Kafka cluster (host:port,...); the chart never starts Tally's embedded broker" .Values.settings.bootstrapServers }}
{{- end }}

{{/*
What a Kafka client of Tally needs, shared by the service and the topics Job: the cluster, the
partition override, and the client properties file when a Secret holds one.
*/}}
{{- define "tally.kafkaEnv" -}}
- name: TALLY_BOOTSTRAP_SERVERS
  value: {{ include "tally.bootstrapServers" . | quote }}
{{- if .Values.kafkaProperties.existingSecret }}
- name: TALLY_KAFKA_PROPERTIES_FILE
  value: {{ printf "%s/%s" (trimSuffix "/" .Values.kafkaProperties.mountPath) (required "kafkaProperties.key: the Secret's key that holds the properties file" .Values.kafkaProperties.key) | quote }}
{{- end }}
{{- end }}

{{- define "tally.kafkaPropertiesVolume" -}}
{{- if .Values.kafkaProperties.existingSecret }}
- name: kafka-properties
  secret:
    secretName: {{ .Values.kafkaProperties.existingSecret }}
{{- end }}
{{- end }}

{{- define "tally.kafkaPropertiesMount" -}}
{{- if .Values.kafkaProperties.existingSecret }}
- name: kafka-properties
  mountPath: {{ .Values.kafkaProperties.mountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/* JAVA_OPTS: a fixed heap, or a share of the container's memory limit. */}}
{{- define "tally.javaOpts" -}}
{{- $options := list }}
{{- if .Values.jvm.heapSize }}
{{- $options = append $options (printf "-Xms%s -Xmx%s" .Values.jvm.heapSize .Values.jvm.heapSize) }}
{{- else }}
{{- $options = append $options (printf "-XX:MaxRAMPercentage=%s" (include "tally.settingText" .Values.jvm.maxRAMPercentage)) }}
{{- end }}
{{- with .Values.jvm.extraOptions }}
{{- $options = append $options . }}
{{- end }}
{{- join " " $options }}
{{- end }}

{{/* The service applies topics itself only in the `service` mode; the chart does it otherwise. */}}
{{- define "tally.applyTopics" -}}
{{- $modes := list "job" "strimzi" "service" "none" }}
{{- if not (has .Values.topics.mode $modes) }}
{{- fail (printf "topics.mode: must be one of %s, got %q" (join ", " $modes) .Values.topics.mode) }}
{{- end }}
{{- eq .Values.topics.mode "service" }}
{{- end }}
