#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (maintainers only; the app never
# needs Node at run time). Versions are pinned here; commit the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund \
  @utrecht/component-library-css@9.0.4 @nl-design-system-unstable/voorbeeld-design-tokens@7.4.1 \
  axe-core@4.10.3 htmx.org@2.0.4 >/dev/null
N=node_modules
V="$root/src/cyberbeeld/web/static/vendor"
mkdir -p "$V"/{utrecht,voorbeeld,htmx} "$root/tests/e2e/vendor"
cp $N/@utrecht/component-library-css/dist/index.css $N/@utrecht/component-library-css/LICENSE.md "$V/utrecht/"
cp $N/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css $N/@nl-design-system-unstable/voorbeeld-design-tokens/LICENSE.md "$V/voorbeeld/"
cp $N/htmx.org/dist/htmx.min.js "$V/htmx/"
cp $N/axe-core/axe.min.js $N/axe-core/LICENSE "$root/tests/e2e/vendor/"
echo "vendored into $V"
