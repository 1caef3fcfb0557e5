# The stack of docker-compose.yml on one Docker host: the studio split into api, worker and
# scheduler containers that share one data volume, MongoDB as a replica set of one, MinIO with
# its bucket, Redis for shared rate limits, Prometheus and Grafana.

locals {
  studio_env = [
    "NODE_ENV=production",
    "HOST=0.0.0.0",
    "PORT=8000",
    "DATA_DIR=/data",
    "SECRET_KEY=${var.secret_key}",
    "ENCRYPTION_KEY=${var.encryption_key}",
    "MONGO_URL=mongodb://mongo:27017/gestorlead?replicaSet=rs0",
    "REDIS_URL=redis://redis:6379",
    "S3_ENDPOINT=http://minio:9000",
    "S3_ACCESS_KEY=${var.s3_access_key}",
    "S3_SECRET_KEY=${var.s3_secret_key}",
    "S3_BUCKET=${var.s3_bucket}",
    "METRICS_TOKEN=${var.metrics_token}",
  ]
  mongo_health = "try { rs.status().ok } catch (e) { rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] }).ok }; db.hello().isWritablePrimary || quit(1)"
}

resource "docker_network" "studio" {
  name = "gestorlead"
}

resource "docker_volume" "studio_data" {
  name = "gestorlead-studio-data"
}

resource "docker_volume" "mongo_data" {
  name = "gestorlead-mongo-data"
}

resource "docker_volume" "minio_data" {
  name = "gestorlead-minio-data"
}

resource "docker_volume" "redis_data" {
  name = "gestorlead-redis-data"
}

resource "docker_volume" "prometheus_data" {
  name = "gestorlead-prometheus-data"
}

resource "docker_volume" "grafana_data" {
  name = "gestorlead-grafana-data"
}

resource "docker_image" "mongo" {
  name = "mongo:7.0"
}

resource "docker_image" "minio" {
  name = "minio/minio:RELEASE.2025-04-22T22-12-26Z"
}

resource "docker_image" "mc" {
  name = "minio/mc:RELEASE.2025-04-16T18-13-26Z"
}

resource "docker_image" "redis" {
  name = "redis:7.4-alpine"
}

resource "docker_image" "prometheus" {
  name = "prom/prometheus:v3.4.1"
}

resource "docker_image" "grafana" {
  name = "grafana/grafana:12.0.2"
}

resource "docker_container" "mongo" {
  name    = "gestorlead-mongo"
  image   = docker_image.mongo.image_id
  command = ["mongod", "--replSet", "rs0", "--bind_ip_all"]
  restart = "unless-stopped"
  networks_advanced {
    name    = docker_network.studio.name
    aliases = ["mongo"]
  }
  volumes {
    volume_name    = docker_volume.mongo_data.name
    container_path = "/data/db"
  }
  # Initiates the replica set on the first check, then reports whether it is primary.
  healthcheck {
    test         = ["CMD", "mongosh", "--quiet", "--eval", local.mongo_health]
    interval     = "10s"
    timeout      = "10s"
    start_period = "20s"
    retries      = 10
  }
  wait = true
}

resource "docker_container" "minio" {
  name    = "gestorlead-minio"
  image   = docker_image.minio.image_id
  command = ["server", "/data", "--console-address", ":9001"]
  restart = "unless-stopped"
  env     = ["MINIO_ROOT_USER=${var.s3_access_key}", "MINIO_ROOT_PASSWORD=${var.s3_secret_key}"]
  networks_advanced {
    name    = docker_network.studio.name
    aliases = ["minio"]
  }
  volumes {
    volume_name    = docker_volume.minio_data.name
    container_path = "/data"
  }
  healthcheck {
    test     = ["CMD", "mc", "ready", "local"]
    interval = "10s"
    timeout  = "5s"
    retries  = 10
  }
  wait = true
}

# Creates the artifact bucket, then exits.
resource "docker_container" "minio_init" {
  name     = "gestorlead-minio-init"
  image    = docker_image.mc.image_id
  must_run = false
  attach   = true
  env      = ["S3_ACCESS_KEY=${var.s3_access_key}", "S3_SECRET_KEY=${var.s3_secret_key}", "S3_BUCKET=${var.s3_bucket}"]
  entrypoint = [
    "/bin/sh", "-c",
    "mc alias set local http://minio:9000 \"$S3_ACCESS_KEY\" \"$S3_SECRET_KEY\" && mc mb --ignore-existing \"local/$S3_BUCKET\"",
  ]
  networks_advanced {
    name = docker_network.studio.name
  }
  depends_on = [docker_container.minio]
}

resource "docker_container" "redis" {
  name    = "gestorlead-redis"
  image   = docker_image.redis.image_id
  command = ["redis-server", "--appendonly", "yes"]
  restart = "unless-stopped"
  networks_advanced {
    name    = docker_network.studio.name
    aliases = ["redis"]
  }
  volumes {
    volume_name    = docker_volume.redis_data.name
    container_path = "/data"
  }
  healthcheck {
    test     = ["CMD", "redis-cli", "ping"]
    interval = "10s"
    timeout  = "5s"
    retries  = 5
  }
  wait = true
}

module "api" {
  source           = "./modules/studio-container"
  name             = "gestorlead-api"
  role             = "api"
  image            = var.studio_image
  env              = local.studio_env
  network_name     = docker_network.studio.name
  data_volume_name = docker_volume.studio_data.name
  published_port   = var.studio_port
  depends_on       = [docker_container.mongo, docker_container.redis, docker_container.minio_init]
}

# Every worker answers to the name `worker`, so Prometheus finds them all through DNS.
module "worker" {
  source                = "./modules/studio-container"
  count                 = var.worker_count
  name                  = "gestorlead-worker-${count.index + 1}"
  role                  = "worker"
  image                 = var.studio_image
  env                   = local.studio_env
  extra_env             = ["METRICS_PORT=9464"]
  network_name          = docker_network.studio.name
  data_volume_name      = docker_volume.studio_data.name
  destroy_grace_seconds = 30
  depends_on            = [module.api]
}

module "scheduler" {
  source           = "./modules/studio-container"
  name             = "gestorlead-scheduler"
  role             = "scheduler"
  image            = var.studio_image
  env              = local.studio_env
  extra_env        = ["METRICS_PORT=9464"]
  network_name     = docker_network.studio.name
  data_volume_name = docker_volume.studio_data.name
  depends_on       = [module.api]
}

resource "docker_container" "prometheus" {
  name    = "gestorlead-prometheus"
  image   = docker_image.prometheus.image_id
  restart = "unless-stopped"
  networks_advanced {
    name    = docker_network.studio.name
    aliases = ["prometheus"]
  }
  ports {
    internal = 9090
    external = var.prometheus_port
  }
  upload {
    file    = "/etc/prometheus/prometheus.yml"
    content = file("${path.module}/../deploy/prometheus/prometheus.yml")
  }
  volumes {
    volume_name    = docker_volume.prometheus_data.name
    container_path = "/prometheus"
  }
  depends_on = [module.api]
}

resource "docker_container" "grafana" {
  name    = "gestorlead-grafana"
  image   = docker_image.grafana.image_id
  restart = "unless-stopped"
  env     = ["GF_SECURITY_ADMIN_USER=admin", "GF_SECURITY_ADMIN_PASSWORD=${var.grafana_admin_password}"]
  networks_advanced {
    name = docker_network.studio.name
  }
  ports {
    internal = 3000
    external = var.grafana_port
  }
  upload {
    file    = "/etc/grafana/provisioning/datasources/prometheus.yml"
    content = file("${path.module}/../deploy/grafana/provisioning/datasources/prometheus.yml")
  }
  upload {
    file    = "/etc/grafana/provisioning/dashboards/dashboards.yml"
    content = file("${path.module}/../deploy/grafana/provisioning/dashboards/dashboards.yml")
  }
  upload {
    file    = "/etc/grafana/dashboards/studio.json"
    content = file("${path.module}/../deploy/grafana/dashboards/studio.json")
  }
  volumes {
    volume_name    = docker_volume.grafana_data.name
    container_path = "/var/lib/grafana"
  }
  depends_on = [docker_container.prometheus]
}
