FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./frontend
RUN mkdir -p static/vendor/govuk static/vendor/axe static/vendor/htmx \
 && npx sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
      --load-path=node_modules frontend/app.scss static/vendor/govuk/app.css \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk/ \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets/images static/vendor/govuk/images \
 && cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (invoices as PDF) needs Pango and a font.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY consortium ./consortium
COPY members ./members
COPY pricing ./pricing
COPY contracts ./contracts
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /build/static/vendor ./static/vendor
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/x \
    python manage.py collectstatic --no-input -v 0
RUN useradd --create-home app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
