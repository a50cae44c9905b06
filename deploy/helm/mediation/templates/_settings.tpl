{{/* Service-specific settings: notes' keys and notifications' channels. */}}

{{- define "mediation.notesEnv" -}}
{{- $notes := .Values.notes -}}
- name: NOTES_MASTER_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $notes.existingSecret }}
      key: master-key
- name: NOTES_PROOF_KEY_FILE
  value: /etc/mediation/notes/notes-proof-key.json
{{- if and $notes.jwksUrl $notes.jwksSecret }}
{{- fail "notes: set jwksUrl or jwksSecret, not both" }}
{{- else if $notes.jwksUrl }}
- name: NOTES_JWKS_URL
  value: {{ $notes.jwksUrl | quote }}
{{- else if $notes.jwksSecret }}
- name: NOTES_JWKS_FILE
  value: /etc/mediation/jwks/jwks.json
{{- else }}
{{- fail "notes: set jwksUrl (the identity provider's JWKS) or jwksSecret (a Secret with jwks.json)" }}
{{- end }}
{{- with $notes.tokenIssuer }}
- name: NOTES_TOKEN_ISSUER
  value: {{ . | quote }}
{{- end }}
- name: NOTES_TOKEN_AUDIENCE
  value: {{ $notes.tokenAudience | quote }}
{{- end -}}

{{- define "mediation.notificationsEnv" -}}
{{- $n := .Values.notifications -}}
- name: NOTIFICATIONS_MODE
  value: {{ $n.mode | quote }}
{{- with $n.evaluationUrl }}
- name: NOTIFICATIONS_EVALUATION_URL
  value: {{ . | quote }}
{{- end }}
{{- if eq $n.mode "file" }}
- name: NOTIFICATIONS_OUTBOX_DIR
  value: /var/lib/mediation/outbox
{{- else if eq $n.mode "live" }}
{{- $plain := dict
  "NOTIFICATIONS_SMTP_HOST" $n.smtp.host
  "NOTIFICATIONS_SMTP_PORT" $n.smtp.port
  "NOTIFICATIONS_SMTP_START_TLS" $n.smtp.startTls
  "NOTIFICATIONS_SMTP_FROM_ADDRESS" $n.smtp.fromAddress
  "NOTIFICATIONS_SMTP_FROM_NAME" $n.smtp.fromName
  "NOTIFICATIONS_SMS_URL" $n.sms.url
  "NOTIFICATIONS_SMS_SENDER_ID" $n.sms.senderId
  "NOTIFICATIONS_DIGITAL_POST_URL" $n.digitalPost.url
  "NOTIFICATIONS_DIGITAL_POST_SENDER_SYSTEM_ID" $n.digitalPost.senderSystemId
}}
{{- range $name, $value := $plain }}
{{- if not (kindIs "invalid" $value) }}
{{- if ne (toString $value) "" }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $key, $name := dict "smtp-username" "NOTIFICATIONS_SMTP_USERNAME" "smtp-password" "NOTIFICATIONS_SMTP_PASSWORD" "sms-token" "NOTIFICATIONS_SMS_TOKEN" "digital-post-token" "NOTIFICATIONS_DIGITAL_POST_TOKEN" }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $n.existingSecret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- else if ne $n.mode "console" }}
{{- fail (printf "notifications.mode must be live, file or console, not %q" $n.mode) }}
{{- end }}
{{- end -}}
