{{/* The chart's name, and the release's name for objects (both cut to 63 characters). */}}
{{- define "keelson.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keelson.fullname" -}}
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

{{/* A mode's object name: keelson.componentName (dict "root" $ "component" "serve"). */}}
{{- define "keelson.componentName" -}}
{{- printf "%s-%s" (include "keelson.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keelson.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of a mode's pods (dict "root" $ "component" "serve"). */}}
{{- define "keelson.selectorLabels" -}}
app.kubernetes.io/name: {{ include "keelson.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels of every object of a mode (dict "root" $ "component" "serve"). */}}
{{- define "keelson.labels" -}}
helm.sh/chart: {{ include "keelson.chart" .root }}
{{ include "keelson.selectorLabels" . }}
app.kubernetes.io/part-of: {{ include "keelson.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "keelson.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The parts of a pod spec every mode shares: service account, pull secrets, priority class and
scheduling (dict "root" $ "component" "serve" "mode" .Values.serve).
*/}}
{{- define "keelson.podCommon" -}}
serviceAccountName: {{ include "keelson.componentName" . }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default .root.Values.priorityClassName .mode.priorityClassName) }}
priorityClassName: {{ . }}
{{- end }}
{{- with .mode.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .mode.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .mode.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod template's metadata (dict "root" $ "component" "serve"). */}}
{{- define "keelson.podMetadata" -}}
labels:
  {{- include "keelson.selectorLabels" . | nindent 2 }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .root.Values.podAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* LOG_LEVEL, LOG_FORMAT, then the mode's and the global extraEnv (dict "root" $ "mode" ...). */}}
{{- define "keelson.commonEnv" -}}
- name: LOG_LEVEL
  value: {{ .root.Values.log.level | quote }}
- name: LOG_FORMAT
  value: {{ .root.Values.log.format | quote }}
{{- with .mode.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The ClusterRoleBinding of a mode's ServiceAccount to system:auth-delegator (TokenReviews
and SubjectAccessReviews for delegated authentication). */}}
{{- define "keelson.authDelegator" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ include "keelson.componentName" . }}:system:auth-delegator
  labels:
    {{- include "keelson.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:auth-delegator
subjects:
  - kind: ServiceAccount
    name: {{ include "keelson.componentName" . }}
    namespace: {{ .root.Release.Namespace }}
{{- end }}

{{/* A ServiceAccount, and a ClusterRole with `rules` bound to it (dict "root" $ "component" ...
"rules" list). */}}
{{- define "keelson.serviceAccountAndClusterRole" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "keelson.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "keelson.labels" . | nindent 4 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ include "keelson.componentName" . }}
  labels:
    {{- include "keelson.labels" . | nindent 4 }}
rules:
  {{- toYaml .rules | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ include "keelson.componentName" . }}
  labels:
    {{- include "keelson.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ include "keelson.componentName" . }}
subjects:
  - kind: ServiceAccount
    name: {{ include "keelson.componentName" . }}
    namespace: {{ .root.Release.Namespace }}
{{- end }}

{{/* The action ClusterRoles (action-clusterroles.yaml) the agent's allowActions need, one per
line: cordon and uncordon share keelson-cordon, restart and restart-pod keelson-restart. */}}
{{- define "keelson.agentActionRoles" -}}
{{- $roleOf := dict "cordon" "cordon" "uncordon" "cordon" "drain" "drain" "evict" "evict" "scale" "scale" "restart" "restart" "restart-pod" "restart" "label" "label" "set-resources" "set-resources" }}
{{- $roles := list }}
{{- range .Values.agent.allowActions }}
{{- $roles = append $roles (get $roleOf .) }}
{{- end }}
{{- join "\n" ($roles | uniq) }}
{{- end }}
