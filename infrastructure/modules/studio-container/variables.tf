variable "name" {
  description = "Name of the container"
  type        = string
}

variable "role" {
  description = "Studio role (ROLE): api, worker or scheduler; also the container's alias on the network"
  type        = string
}

variable "image" {
  description = "Image of the studio"
  type        = string
}

variable "env" {
  description = "Environment shared by every studio container, as NAME=value entries"
  type        = list(string)
}

variable "extra_env" {
  description = "Environment of this role only, as NAME=value entries"
  type        = list(string)
  default     = []
}

variable "network_name" {
  description = "Docker network of the stack"
  type        = string
}

variable "data_volume_name" {
  description = "Volume mounted at /data, shared by the studio containers"
  type        = string
}

variable "published_port" {
  description = "Host port published for the container's port 8000, or null to publish none"
  type        = number
  default     = null
}

variable "destroy_grace_seconds" {
  description = "Seconds Docker waits for the process to stop before it kills it, or null for Docker's default"
  type        = number
  default     = null
}
