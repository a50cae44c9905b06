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
- name: NOTES_TOKEN_SUBJECT_CLAIM
  value: {{ $notes.tokenSubjectClaim | quote }}
- name: NOTES_TOKEN_ROLE_CLAIM
  value: {{ $notes.tokenRoleClaim | quote }}
{{- with $notes.tokenRoles }}
- name: NOTES_TOKEN_ROLES
  value: {{ toJson . | quote }}
{{- end }}
- name: NOTES_TOKEN_TENANT_CLAIM
  value: {{ $notes.tokenTenantClaim | quote }}
{{- with $notes.tokenTenant }}
{{- if not $notes.tokenIssuer }}
{{- fail "notes: tokenTenant (one municipality for every token) needs tokenIssuer" }}
{{- end }}
- name: NOTES_TOKEN_TENANT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The mediator client's sign-in: the users file (local) or the provider (oidc). */}}
{{- define "mediation.clientIdentityEnv" -}}
{{- $c := .Values.client -}}
- name: MEDIATOR_IDENTITY
  value: {{ $c.identity | quote }}
{{- if eq $c.identity "local" }}
- name: MEDIATOR_USERS_FILE
  value: /etc/mediation/client/users/mediator-users.json
- name: MEDIATOR_DEV_IDENTITY_DIR
  value: /etc/mediation/client/identity
{{- else if eq $c.identity "oidc" }}
{{- $o := $c.oidc }}
{{- if not (and $o.issuer $o.clientId $o.redirectUrl) }}
{{- fail "client: identity oidc needs oidc.issuer, oidc.clientId and oidc.redirectUrl" }}
{{- end }}
- name: MEDIATOR_OIDC_ISSUER
  value: {{ $o.issuer | quote }}
- name: MEDIATOR_OIDC_CLIENT_ID
  value: {{ $o.clientId | quote }}
- name: MEDIATOR_OIDC_REDIRECT_URL
  value: {{ $o.redirectUrl | quote }}
{{- with $o.postLogoutRedirectUrl }}
- name: MEDIATOR_OIDC_POST_LOGOUT_REDIRECT_URL
  value: {{ . | quote }}
{{- end }}
{{- with $o.clientSecretKey }}
- name: MEDIATOR_OIDC_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $c.existingSecret }}
      key: {{ . }}
{{- end }}
- name: MEDIATOR_OIDC_SCOPES
  value: {{ $o.scopes | quote }}
- name: MEDIATOR_OIDC_STAFF_ID_CLAIM
  value: {{ $o.staffIdClaim | quote }}
- name: MEDIATOR_OIDC_NAME_CLAIM
  value: {{ $o.nameClaim | quote }}
- name: MEDIATOR_OIDC_ROLE_CLAIM
  value: {{ $o.roleClaim | quote }}
{{- with $o.roles }}
- name: MEDIATOR_OIDC_ROLES
  value: {{ toJson . | quote }}
{{- end }}
- name: MEDIATOR_OIDC_TENANT_CLAIM
  value: {{ $o.tenantClaim | quote }}
{{- with $o.tenant }}
- name: MEDIATOR_OIDC_TENANT
  value: {{ . | quote }}
{{- end }}
{{- else }}
{{- fail "client: identity is local or oidc" }}
{{- end }}
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
