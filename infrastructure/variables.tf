variable "docker_host" {
  description = "Docker daemon to deploy to"
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "studio_image" {
  description = "Image of the studio, built from the repository's Dockerfile"
  type        = string
  default     = "gestorlead-studio:latest"
}

variable "worker_count" {
  description = "Number of worker containers"
  type        = number
  default     = 2
}

variable "studio_port" {
  description = "Host port of the studio's HTTP API and builder"
  type        = number
  default     = 8000
}

variable "grafana_port" {
  description = "Host port of Grafana"
  type        = number
  default     = 3000
}

variable "prometheus_port" {
  description = "Host port of Prometheus"
  type        = number
  default     = 9090
}

variable "secret_key" {
  description = "SECRET_KEY of the studio: 32 random bytes as base64 (openssl rand -base64 32)"
  type        = string
  sensitive   = true
}

variable "encryption_key" {
  description = "ENCRYPTION_KEY of the studio: 32 random bytes as base64"
  type        = string
  sensitive   = true
}

variable "s3_access_key" {
  description = "MinIO root user, which the studio uses as S3_ACCESS_KEY"
  type        = string
  default     = "gestorlead"
}

variable "s3_secret_key" {
  description = "MinIO root password, which the studio uses as S3_SECRET_KEY (at least 8 characters)"
  type        = string
  sensitive   = true
}

variable "s3_bucket" {
  description = "Bucket of the artifacts"
  type        = string
  default     = "gestorlead-artifacts"
}

variable "metrics_token" {
  description = "METRICS_TOKEN that /metrics requires; empty leaves it public"
  type        = string
  default     = ""
  sensitive   = true
}

variable "grafana_admin_password" {
  description = "Password of Grafana's admin user"
  type        = string
  sensitive   = true
}
