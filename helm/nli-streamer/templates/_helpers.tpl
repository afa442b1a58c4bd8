{{- define "nli-streamer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nli-streamer.fullname" -}}
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

{{- define "nli-streamer.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "nli-streamer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: nli-stream
{{- end }}

{{- define "nli-streamer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nli-streamer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nli-streamer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nli-streamer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nli-streamer.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.gpu.enabled }}{{ $tag = printf "%s%s" $tag .Values.gpu.imageTagSuffix }}{{ end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/* Kafka clients' security.protocol from the SASL and TLS toggles. */}}
{{- define "nli-streamer.securityProtocol" -}}
{{- if and .Values.kafka.sasl.enabled .Values.kafka.tls.enabled }}SASL_SSL
{{- else if .Values.kafka.sasl.enabled }}SASL_PLAINTEXT
{{- else if .Values.kafka.tls.enabled }}SSL
{{- else }}PLAINTEXT
{{- end }}
{{- end }}

{{- define "nli-streamer.saslLoginModule" -}}
{{- if eq .Values.kafka.sasl.mechanism "PLAIN" }}org.apache.kafka.common.security.plain.PlainLoginModule
{{- else }}org.apache.kafka.common.security.scram.ScramLoginModule
{{- end }}
{{- end }}

{{- define "nli-streamer.tlsMountPath" -}}/etc/nli-streamer/kafka-tls{{- end }}

{{/* Rules the schema cannot express; each message says how to fix the values. */}}
{{- define "nli-streamer.validate" -}}
{{- $partitions := int .Values.kafka.partitions }}
{{- if and (not .Values.autoscaling.enabled) (gt (int .Values.replicaCount) $partitions) }}
{{- fail (printf "replicaCount (%d) exceeds kafka.partitions (%d): extra Kafka Streams instances get no partition and idle. Lower replicaCount or add partitions to %s and raise kafka.partitions." (int .Values.replicaCount) $partitions .Values.topics.pairs) }}
{{- end }}
{{- if .Values.autoscaling.enabled }}
{{- if gt (int .Values.autoscaling.maxReplicas) $partitions }}
{{- fail (printf "autoscaling.maxReplicas (%d) exceeds kafka.partitions (%d): replicas beyond the partition count of %s idle. Lower autoscaling.maxReplicas or raise kafka.partitions after adding partitions." (int .Values.autoscaling.maxReplicas) $partitions .Values.topics.pairs) }}
{{- end }}
{{- if gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%d) exceeds autoscaling.maxReplicas (%d)." (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
{{- if and .Values.kafka.sasl.enabled (not .Values.kafka.sasl.existingSecret) }}
{{- fail "kafka.sasl.enabled needs kafka.sasl.existingSecret: create a Secret with the SASL username and password (keys kafka.sasl.usernameKey / passwordKey) and name it there; the chart never takes credentials inline." }}
{{- end }}
{{- if and .Values.kafka.tls.enabled (not .Values.kafka.tls.existingSecret) }}
{{- fail "kafka.tls.enabled needs kafka.tls.existingSecret: create a Secret holding the truststore (key kafka.tls.truststoreKey) and its password (key kafka.tls.truststorePasswordKey) and name it there." }}
{{- end }}
{{- if and .Values.kafka.tls.keystore.enabled (not .Values.kafka.tls.enabled) }}
{{- fail "kafka.tls.keystore.enabled needs kafka.tls.enabled: a client keystore is only used over TLS." }}
{{- end }}
{{- if and (eq .Values.bundle.source "pvc") (not .Values.bundle.pvc.claimName) }}
{{- fail "bundle.source=pvc needs bundle.pvc.claimName: the PersistentVolumeClaim that holds the model bundle (nli-bundle.json, model.onnx, tokenizer.json)." }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (eq (toString .Values.podDisruptionBudget.minAvailable) "<nil>") (eq (toString .Values.podDisruptionBudget.maxUnavailable) "<nil>") }}
{{- fail "podDisruptionBudget.enabled needs one of podDisruptionBudget.maxUnavailable or podDisruptionBudget.minAvailable." }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (ne (toString .Values.podDisruptionBudget.minAvailable) "<nil>") (ne (toString .Values.podDisruptionBudget.maxUnavailable) "<nil>") }}
{{- fail "podDisruptionBudget: set maxUnavailable or minAvailable, not both (set the other to null)." }}
{{- end }}
{{- end }}
