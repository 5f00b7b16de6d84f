#!/usr/bin/env bash
# The exchange works in a normal install: `pip install .` (base package, no extras) into an empty
# virtualenv, a fresh SQLite database, then `cyberbeeld import-cases` of a STIX 2.1 bundle and of a
# MISP event (REST shape), and a TAXII 2.1 POST + GET through the real URLconf and middleware.
# Exits non-zero on the first failure. Usage: scripts/check-base-install.sh  (PYTHON=python3.11 to choose)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cyberbeeld-base-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
FIXTURES="$REPO/tests/sharing/fixtures"

echo "== copy the source tree (tracked and new files, nothing ignored) to $WORK/src"
mkdir -p "$WORK/src"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
     | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"
else
  tar -C "$REPO" --exclude=.venv --exclude=var --exclude=.git -cf - . | tar -xf - -C "$WORK/src"
fi

echo "== empty virtualenv, pip install . (no extras)"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -qq --disable-pip-version-check "$WORK/src"  # -qq: errors only
if "$WORK/venv/bin/python" -c "import pytest" 2>/dev/null; then
  echo "test extras leaked into the base install" >&2; exit 1
fi

# deduce's lookup cache takes minutes to build; reuse the project virtualenv's (same deduce version) if any.
if [ -z "${CYBERBEELD_DEDUCE_CACHE:-}" ] && [ -x "$REPO/.venv/bin/python" ]; then
  CYBERBEELD_DEDUCE_CACHE="$("$REPO/.venv/bin/python" -c 'from deduce.deduce import _LOOKUP_LIST_PATH as p; print(p)' 2>/dev/null || true)"
  [ -n "$CYBERBEELD_DEDUCE_CACHE" ] && export CYBERBEELD_DEDUCE_CACHE
fi
export CYBERBEELD_DATA_DIR="$WORK/data" DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.dev
mkdir -p "$CYBERBEELD_DATA_DIR/static"
cd "$WORK"  # nothing from the repository on the import path: only the installed package
CB="$WORK/venv/bin/cyberbeeld"

echo "== migrate"
"$CB" migrate --noinput >/dev/null

echo "== an organisation with a coordinator"
"$CB" shell -c "
from django.contrib.auth import get_user_model
from cyberbeeld.accounts import services
from cyberbeeld.accounts.models import OrganisationKind, Role
org = services.organisation_create(by=None, kind=OrganisationKind.GEMEENTE, name='Gemeente Proef',
                                   slug='gemeente-proef')
user = get_user_model().objects.create_user(username='proef', password='proef-wachtwoord-2026')
services.membership_set(by=None, user=user, organisation=org, role=Role.COORDINATOR)
"

echo "== cyberbeeld import-cases (STIX 2.1 bundle)"
"$CB" import-cases "$FIXTURES/stix-bundle.json" --org gemeente-proef
echo "== cyberbeeld import-cases (MISP event)"
"$CB" import-cases "$FIXTURES/misp-event.json" --org gemeente-proef
echo "== cyberbeeld export-cases (STIX, MISP)"
"$CB" export-cases --org gemeente-proef --format stix --out "$WORK/export.stix.json"
"$CB" export-cases --org gemeente-proef --format misp --out "$WORK/export.misp.json"

echo "== TAXII 2.1 POST and GET"
"$CB" shell -c "
import base64, json, uuid
from django.test import Client
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.sharing.models import Case

org = Organisation.objects.get(slug='gemeente-proef')
assert Case.objects.filter(owner=org).count() == 2, 'import-cases did not store both cases'
bundle = json.load(open('$FIXTURES/stix-bundle.json', encoding='utf-8'))
new_id = 'incident--' + str(uuid.uuid5(uuid.NAMESPACE_URL, 'cyberbeeld-base-install-check'))
for obj in bundle['objects']:
    if obj['type'] == 'incident':
        obj['id'] = new_id
    if obj['type'] == 'report':
        obj['object_refs'] = [new_id]
media = 'application/taxii+json;version=2.1'
auth = 'Basic ' + base64.b64encode(b'proef:proef-wachtwoord-2026').decode()
client = Client(HTTP_HOST='localhost', HTTP_ACCEPT=media, HTTP_AUTHORIZATION=auth)
url = f'/api/taxii2/cyberbeeld/collections/{org.uuid}/objects/'
r = client.post(url, data=json.dumps({'objects': bundle['objects']}), content_type=media)
assert r.status_code == 202, (r.status_code, r.content[:500])
status = json.loads(r.content)
assert status['success_count'] == len(bundle['objects']) and status['failure_count'] == 0, status
assert Case.objects.filter(owner=org, external_id=new_id).exists(), 'the TAXII POST stored nothing'
r = client.get(f\"/api/taxii2/cyberbeeld/status/{status['id']}/\")
assert r.status_code == 200 and json.loads(r.content)['id'] == status['id'], r.content[:500]
r = client.get(url + '?limit=2')
assert r.status_code == 200 and r['Content-Type'].startswith('application/taxii+json'), r.content[:500]
assert json.loads(r.content)['more'] is True, 'pagination: expected more than two objects'
r = client.get(url.replace('objects/', 'manifest/'))
assert r.status_code == 200, r.content[:500]
print('TAXII POST, status, objects and manifest: ok')
"
echo "== base install: exchange works"
