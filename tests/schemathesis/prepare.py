"""Seeds a running trygghet for the API conformance run and writes its configuration.

Signs in as the administrator that run.sh created, makes an API token, and stores what the generated requests
should find as well as miss: an open survey with letters handed out, paper forms and a promise, a draft survey, a
closed one, a second account and a second token. Their ids go into dictionaries the generator draws path
parameters from (often, not always), so that requests reach the handlers behind the look-ups and not only the
404 of an unknown id.

Usage: prepare.py BASE_URL EMAIL PASSWORD CONFIG_OUT
"""

import re
import sys
import uuid

import requests

base, email, password, config_out = sys.argv[1:5]
browser = requests.Session()


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        sys.exit("prepare: no CSRF token on the page")
    return match.group(1)


def expect(response: requests.Response, status: int):
    if response.status_code != status:
        sys.exit(f"prepare: {response.request.method} {response.request.url} gave {response.status_code}: "
                 f"{response.text[:400]}")
    return response.json() if response.content and "json" in response.headers.get("content-type", "") else None


token_csrf = csrf(browser.get(f"{base}/sign-in").text)
signed_in = browser.post(f"{base}/sign-in", allow_redirects=False,
                         data={"email": email, "password": password, "csrf_token": token_csrf, "next": "/admin"})
if signed_in.status_code != 303:
    sys.exit(f"prepare: sign-in gave {signed_in.status_code}")
page_csrf = csrf(browser.get(f"{base}/admin/account").text)
created = expect(browser.post(f"{base}/api/v1/tokens", json={"name": "conformance"},
                              headers={"X-CSRF-Token": page_csrf}), 201)
token = created["token"]
other_token = expect(browser.post(f"{base}/api/v1/tokens", json={"name": "another"},
                                  headers={"X-CSRF-Token": page_csrf}), 201)["id"]

api = requests.Session()
api.headers["Authorization"] = f"Bearer {token}"


def call(method: str, path: str, status: int, body=None, **kwargs):
    return expect(api.request(method, f"{base}/api/v1{path}", json=body, **kwargs), status)


instrument = call("GET", "/instruments", 200)[0]
municipalities = [{"code": "1783", "sample_size": 300}, {"code": "1762", "sample_size": 300}]
survey = {"title": "Trygghetsmätning 2026", "opens_on": "2026-06-01", "closes_on": "2027-05-31",
          "access": "codes", "municipalities": municipalities,
          "sender": "Polisen och Hagfors kommun", "contact": {"phone": "0563-185 00", "email": "trygghet@hagfors.se"}}

open_survey = call("POST", "/surveys", 201, survey)["id"]
call("POST", f"/surveys/{open_survey}/open", 200, {})
letters = call("POST", f"/surveys/{open_survey}/municipalities/1783/invitations", 201, {"count": 5},
               headers={"Idempotency-Key": str(uuid.uuid4())})
batches = [batch["id"] for batch in call("GET", f"/surveys/{open_survey}/batches", 200)]
steps = ["none", "small", "fairly_big", "very_big"]
for number, letter in enumerate(letters[:3]):
    call("POST", f"/surveys/{open_survey}/paper", 201,
         {"submission_id": str(uuid.uuid4()), "letter_number": letter["letter_number"],
          "answers": {"poor_lighting": steps[number]}})
call("POST", f"/surveys/{open_survey}/paper", 201,
     {"submission_id": str(uuid.uuid4()), "municipality": "1762", "answers": {"poor_lighting": "small"}})

draft_survey = call("POST", "/surveys", 201, {**survey, "title": "Utkast"})["id"]
closed_survey = call("POST", "/surveys", 201, {**survey, "title": "Stängd", "access": "open_link"})["id"]
call("POST", f"/surveys/{closed_survey}/open", 200, {})
call("POST", f"/surveys/{closed_survey}/close", 200, {})

promise = call("POST", "/municipalities/1783/promises", 201,
               {"title": "Bättre belysning i Centrumparken", "text": "Belysning längs gångvägarna.",
                "responsible": "both", "starts_on": "2026-09-01", "ends_on": "2027-04-30",
                "targets": [{"kind": "item", "id": "poor_lighting"}]})["id"]
colleague = call("POST", "/users", 201, {"email": "bo.ek@sunne.se", "password": "ett långt lösenord 2026",
                                         "role": "coordinator", "display_name": "Bo Ek",
                                         "municipalities": ["1783"]})["id"]


def toml_list(values) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


dictionaries = {
    "surveys": [open_survey, draft_survey, closed_survey],
    "municipalities": ["1783", "1762", "1766", "0180"],
    "batches": batches,
    "promises": [promise],
    "users": [colleague],
    "tokens": [other_token],
    "instrument_keys": [instrument["key"]],
    "instrument_versions": [instrument["version"]],
}
# Which dictionary each path parameter draws from. `id` names a survey, a promise, a user or a token depending on
# the path: the surveys' ids are drawn most (most operations are under /surveys/{id}); the others are added per
# operation below.
bindings = {"path.code": "municipalities", "path.batch": "batches", "path.key": "instrument_keys",
            "path.version": "instrument_versions"}
per_operation = [("^/api/v1/surveys/", "surveys"), ("^/api/v1/municipalities/\\\\{code\\\\}/promises/", "promises"),
                 ("^/api/v1/users/", "users"), ("^/api/v1/tokens/", "tokens")]

with open(config_out, "w", encoding="utf-8") as config:
    config.write(f'headers = {{ Authorization = "Bearer {token}" }}\n')
    # The live rates stream never ends by itself: its first event (the rates as they are) is enough to check.
    config.write("max-stream-events = 1\n\n")
    config.write("[dictionaries]\n")
    for name, values in dictionaries.items():
        config.write(f"{name} = {{ values = {toml_list(values)} }}\n")
    config.write("\n[parameters]\n")
    for parameter, dictionary in bindings.items():
        config.write(f'"{parameter}" = {{ dictionary = "{dictionary}", probability = 0.8 }}\n')
    for path, dictionary in per_operation:
        config.write(f'\n[[operations]]\ninclude-path-regex = "{path}"\n')
        config.write(f'parameters = {{ "path.id" = {{ dictionary = "{dictionary}", probability = 0.8 }} }}\n')
print(f"prepared: surveys {open_survey} (open), {draft_survey} (draft), {closed_survey} (closed); "
      f"{len(letters)} letters, promise {promise}, account {colleague}")
