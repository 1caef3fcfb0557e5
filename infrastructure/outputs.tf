output "studio_url" {
  description = "Address of the studio's API and builder"
  value       = "http://localhost:${var.studio_port}"
}

output "grafana_url" {
  description = "Address of Grafana"
  value       = "http://localhost:${var.grafana_port}"
}

output "worker_names" {
  description = "Names of the worker containers"
  value       = module.worker[*].name
}
