# Everyday commands of GestorLead Studio. `make help` lists them.
# Variables: DATA_DIR (./data), BACKUP_DIR (./backups), BACKUP (the backup to restore),
# MONGO_URL (backup and restore use mongodump/mongorestore when it is set), STUDIO_URL and TOKEN
# (for seed).

DATA_DIR ?= ./data
BACKUP_DIR ?= ./backups
STUDIO_URL ?= http://127.0.0.1:8000
COMPOSE ?= docker compose
STAMP := $(shell date -u +%Y%m%dT%H%M%SZ)

.DEFAULT_GOAL := help
.PHONY: help install dev test build deploy clean migrate seed logs backup restore

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-10s %s\n", $$1, $$2 }'

install: ## Install the dependencies (npm ci)
	npm ci --no-audit --no-fund

dev: ## Run the runtime on :8000 and the builder's dev server on :5173
	npm start & npm run dev; wait

test: ## Type-check and run every test suite
	npm test

build: ## Build the builder into builder/dist and, with Docker, the image
	npm run build
	@if command -v docker > /dev/null; then $(COMPOSE) build; else echo "docker not found: image not built"; fi

deploy: ## Start the whole stack of docker-compose.yml (needs .env)
	@test -f .env || { echo ".env is missing: cp .env.example .env and fill it in"; exit 1; }
	$(COMPOSE) up -d --build

clean: ## Remove build output and test artefacts
	rm -rf builder/dist test-results builder/e2e/screenshots .vite
	find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete

# `npm run migrate` is the SQLite-to-MongoDB migration command of the MongoDB storage; it reads
# DATA_DIR and MONGO_URL from the environment, and ARGS passes options through to it.
migrate: ## Copy the SQLite data of DATA_DIR to MongoDB (MONGO_URL)
	@test -n "$(MONGO_URL)" || { echo "MONGO_URL is not set"; exit 1; }
	DATA_DIR="$(DATA_DIR)" MONGO_URL="$(MONGO_URL)" npm run migrate -- $(ARGS)

seed: ## Import the graphs of examples/ into a running studio (needs TOKEN)
	@test -n "$(TOKEN)" || { echo "TOKEN is not set: an access token or API key of the studio"; exit 1; }
	@for file in examples/*.json; do \
	  echo "importing $$file"; \
	  curl -fsS -X POST "$(STUDIO_URL)/v1/graphs/import" -H "authorization: Bearer $(TOKEN)" \
	    -H 'content-type: application/json' --data @"$$file" || exit 1; echo; \
	done

logs: ## Follow the logs of the compose stack
	$(COMPOSE) logs -f --tail=200

backup: ## Back up MongoDB (MONGO_URL set) or the SQLite files of DATA_DIR into BACKUP_DIR
	@mkdir -p "$(BACKUP_DIR)"
	@if [ -n "$(MONGO_URL)" ]; then \
	  mongodump --uri="$(MONGO_URL)" --gzip --archive="$(BACKUP_DIR)/mongo-$(STAMP).archive.gz" \
	    && echo "$(BACKUP_DIR)/mongo-$(STAMP).archive.gz"; \
	else \
	  node scripts/sqlite-backup.mjs backup "$(DATA_DIR)" "$(BACKUP_DIR)/sqlite-$(STAMP)"; \
	fi

restore: ## Restore BACKUP (a mongo-*.archive.gz or a sqlite-* folder); stop the studio first
	@test -n "$(BACKUP)" || { echo "BACKUP is not set: make restore BACKUP=backups/…"; exit 1; }
	@if [ -n "$(MONGO_URL)" ]; then \
	  mongorestore --uri="$(MONGO_URL)" --gzip --archive="$(BACKUP)" --drop; \
	else \
	  node scripts/sqlite-backup.mjs restore "$(BACKUP)" "$(DATA_DIR)"; \
	fi
