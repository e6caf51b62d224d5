{{/* Name prefix of every object. */}}
{{- define "maverick.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "maverick.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include with (dict "ctx" $ "component" "gateway"). */}}
{{- define "maverick.selector" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "maverick.gateway" -}}{{ include "maverick.fullname" . }}-gateway{{- end -}}
{{- define "maverick.triton" -}}{{ include "maverick.fullname" . }}-triton{{- end -}}
{{- define "maverick.otel" -}}{{ include "maverick.fullname" . }}-otel-collector{{- end -}}

{{/* Triton's gRPC port: the gateway's GATEWAY_TRITON_ENDPOINT points at it. */}}
{{- define "maverick.tritonGrpcPort" -}}8001{{- end -}}

{{/* Kafka's TLS + SCRAM-SHA-512 bootstrap address. */}}
{{- define "maverick.kafkaBootstrap" -}}
{{- if .Values.kafka.enabled -}}
{{ .Values.kafka.clusterName }}-kafka-bootstrap:9093
{{- else -}}
{{ required "kafka.bootstrapServers is required when kafka.enabled is false" .Values.kafka.bootstrapServers }}
{{- end -}}
{{- end -}}

{{/* The selected model.yaml profile, as text. */}}
{{- define "maverick.modelYaml" -}}
{{- $p := .Values.triton.profile -}}
{{- if eq $p "default" -}}
{{ .Files.Get "files/model-repo/tensorrt_llm/model.yaml" }}
{{- else if has $p (list "h100" "h200" "b200") -}}
{{ .Files.Get (printf "files/model-repo/profiles/%s/model.yaml" $p) }}
{{- else -}}
{{ fail (printf "triton.profile must be default, h100, h200 or b200, not %q" $p) }}
{{- end -}}
{{- end -}}

{{/* gateway.model.context-length: the value, or max_seq_len of the selected profile. */}}
{{- define "maverick.contextLength" -}}
{{- if .Values.gateway.contextLength -}}
{{ .Values.gateway.contextLength }}
{{- else -}}
{{ (include "maverick.modelYaml" . | fromYaml).max_seq_len | int }}
{{- end -}}
{{- end -}}

{{/*
The largest queued form of a valid request, in bytes: what the requests topic's max.message.bytes must
allow. The gateway computes the same from the same settings (config/QueuedSizes.java): twice
gateway.limits.max-body-bytes (the rendered prompt, the tool definitions kept for strict checks), the
base64 of gateway.images.max-total-bytes (fetched pictures), 64 KiB of envelope, rounded up to a whole MiB.
*/}}
{{- define "maverick.largestQueuedRequest" -}}
{{- $l := .Values.gateway.limits -}}
{{- $bound := add (mul 2 (int64 $l.maxBodyBytes)) (mul 4 (div (add (int64 $l.maxImageBytesTogether) 2) 3)) 65536 -}}
{{- mul (div (add $bound 1048575) 1048576) 1048576 -}}
{{- end -}}
