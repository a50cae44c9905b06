{{/* nats.conf of the bundled cluster (its hash rolls the pods when it changes). */}}
{{- define "mediation.nats.conf" -}}
# Rendered by the mediation chart.
server_name: $SERVER_NAME
port: 4222
http_port: 8222
pid_file: "/var/run/nats/nats.pid"
lame_duck_duration: "{{ .Values.nats.lameDuckDurationSeconds }}s"
lame_duck_grace_period: "10s"

jetstream {
  store_dir: "/data/jetstream"
  max_memory_store: {{ .Values.nats.jetstream.maxMemoryStore }}
  max_file_store: {{ .Values.nats.jetstream.maxFileStore }}
}

# Clients: TLS with a certificate of the bus CA, mapped to a user of authorization.conf.
tls {
  cert_file: "/etc/nats/tls/server/cert.pem"
  key_file: "/etc/nats/tls/server/key.pem"
  ca_file: "/etc/nats/tls/server/ca.pem"
  verify_and_map: true
  timeout: 5
}
# Relative to this file (nats-server resolves includes from the including file's folder).
include "../authorization/authorization.conf"

cluster {
  name: {{ include "mediation.nats.name" . | quote }}
  port: 6222
  # Clients keep the Service's name (which their TLS checks), never pod addresses.
  no_advertise: true
  routes: [
  {{- range $i := until (int .Values.nats.replicas) }}
    "tls://{{ include "mediation.memberHost" (dict "root" $ "name" (include "mediation.nats.name" $) "headless" (include "mediation.nats.headless" $) "i" $i) }}:6222"
  {{- end }}
  ]
  tls {
    cert_file: "/etc/nats/tls/route/cert.pem"
    key_file: "/etc/nats/tls/route/key.pem"
    ca_file: "/etc/nats/tls/route/ca.pem"
    verify: true
    timeout: 5
  }
}
{{- end -}}
