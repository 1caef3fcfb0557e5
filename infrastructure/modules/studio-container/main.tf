# One studio process of the stack: the studio image in one role (api, worker or scheduler) with
# the shared data volume and the health check of scripts/healthcheck.mjs.

resource "docker_container" "studio" {
  name    = var.name
  image   = var.image
  restart = "unless-stopped"
  env     = concat(var.env, ["ROLE=${var.role}"], var.extra_env)
  networks_advanced {
    name    = var.network_name
    aliases = [var.role]
  }
  dynamic "ports" {
    for_each = var.published_port == null ? [] : [var.published_port]
    content {
      internal = 8000
      external = ports.value
    }
  }
  volumes {
    volume_name    = var.data_volume_name
    container_path = "/data"
  }
  healthcheck {
    test         = ["CMD", "node", "scripts/healthcheck.mjs"]
    interval     = "15s"
    timeout      = "5s"
    start_period = "30s"
    retries      = 3
  }
  destroy_grace_seconds = var.destroy_grace_seconds
}
