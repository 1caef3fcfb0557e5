output "name" {
  description = "Name of the container"
  value       = docker_container.studio.name
}
