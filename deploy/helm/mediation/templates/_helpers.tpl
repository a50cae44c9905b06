{{/* Names, labels and the pieces every pod shares. */}}

{{- define "mediation.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mediation.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "intake") */}}
{{- define "mediation.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "mediation.labels" -}}
{{ include "mediation.selectorLabels" . }}
app.kubernetes.io/part-of: mediation
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "mediation.chart" .root }}
{{- end -}}

{{- define "mediation.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* Pod anti-affinity spreading one component's pods over nodes:
     (dict "root" $ "component" "nats" "mode" "hard") */}}
{{- define "mediation.antiAffinity" -}}
podAntiAffinity:
{{- if eq .mode "hard" }}
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "mediation.selectorLabels" . | nindent 10 }}
{{- else if eq .mode "soft" }}
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "mediation.selectorLabels" . | nindent 12 }}
{{- else }}
{{- fail (printf "podAntiAffinity must be soft or hard, not %q" .mode) }}
{{- end }}
{{- end -}}

{{- define "mediation.nats.name" -}}{{ include "mediation.fullname" . }}-nats{{- end -}}
{{- define "mediation.nats.headless" -}}{{ include "mediation.fullname" . }}-nats-headless{{- end -}}
{{- define "mediation.mongodb.name" -}}{{ include "mediation.fullname" . }}-mongodb{{- end -}}
{{- define "mediation.mongodb.headless" -}}{{ include "mediation.fullname" . }}-mongodb-headless{{- end -}}

{{/* The client Service name of the bundled NATS, the name its server certificate must carry. */}}
{{- define "mediation.nats.host" -}}
{{- printf "%s.%s.svc.%s" (include "mediation.nats.name" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{- define "mediation.nats.url" -}}
{{- if .Values.nats.bundled -}}
{{- printf "tls://%s:4222" (include "mediation.nats.host" .) -}}
{{- else -}}
{{- required "nats.url is required when nats.bundled is false (e.g. tls://nats.example.dk:4222)" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* Host of member i of a bundled StatefulSet: (dict "root" $ "name" .. "headless" .. "i" 0) */}}
{{- define "mediation.memberHost" -}}
{{- printf "%s-%d.%s.%s.svc.%s" .name .i .headless .root.Release.Namespace .root.Values.clusterDomain -}}
{{- end -}}

{{/* The bus certificate of a principal, mounted where NATS_*_FILE point. */}}
{{- define "mediation.busEnv" -}}
- name: NATS_URL
  value: {{ include "mediation.nats.url" . | quote }}
- name: NATS_CA_FILE
  value: /etc/mediation/bus/ca.pem
- name: NATS_CERT_FILE
  value: /etc/mediation/bus/cert.pem
- name: NATS_KEY_FILE
  value: /etc/mediation/bus/key.pem
{{- end -}}

{{- define "mediation.busVolume" -}}
- name: bus
  secret:
    secretName: {{ . }}
    defaultMode: 0440
    items:
      - {key: ca.pem, path: ca.pem}
      - {key: cert.pem, path: cert.pem}
      - {key: key.pem, path: key.pem}
{{- end -}}

{{/* Plain settings from a map, sorted: (dict "env" map) */}}
{{- define "mediation.plainEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* host:port of every member of the bundled MongoDB, comma-separated. */}}
{{- define "mediation.mongodb.members" -}}
{{- $hosts := list -}}
{{- range $i := until (int .Values.mongodb.replicas) -}}
{{- $hosts = append $hosts (printf "%s:27017" (include "mediation.memberHost" (dict "root" $ "name" (include "mediation.mongodb.name" $) "headless" (include "mediation.mongodb.headless" $) "i" $i))) -}}
{{- end -}}
{{- join "," $hosts -}}
{{- end -}}
