"""A user of the installed wheel (hand-written; not a pytest module).

sdk/check.sh builds the wheel, installs it into a fresh venv in a temp dir and runs this file there,
from outside the source tree, so it sees only what the wheel ships:

    python consumer.py VALID_AI_JOB.json INVALID_AI_JOB.json

Exit 1 unless the package comes from the venv's site-packages, its metadata version is the
generated ``__version__``, the valid record is accepted and the invalid one refused.
"""

import sys
import sysconfig
from importlib.metadata import version
from pathlib import Path

from pydantic import ValidationError

import handshake_job_model
from handshake_job_model import AiJob
from handshake_job_model.generated import __version__

valid_file, invalid_file = sys.argv[1:3]
failures = []

site = Path(sysconfig.get_paths()["purelib"]).resolve()
if site not in Path(handshake_job_model.__file__).resolve().parents:
    failures.append(f"imported from {handshake_job_model.__file__}, not the venv's {site}")
if version("handshake-job-model") != __version__:
    failures.append(f"wheel version {version('handshake-job-model')} != generated {__version__}")

job = AiJob.model_validate_json(Path(valid_file).read_bytes())
try:
    AiJob.model_validate_json(Path(invalid_file).read_bytes())
    failures.append(f"{invalid_file}: accepted")
except ValidationError:
    pass
# The strict-text check ships in the wheel (handshake_job_model/json_text.py): a repeated key is refused.
try:
    AiJob.model_validate_json(b'{"job_id": "x", "job_id": "x"}')
    failures.append("a repeated key: accepted")
except ValidationError as error:
    if error.errors()[0]["loc"] != ("job_id",):
        failures.append(f"a repeated key: refused at {error.errors()[0]['loc']}, not job_id")

for failure in failures:
    print(f"FAIL {failure}", file=sys.stderr)
if failures:
    sys.exit(1)
print(
    f"ok: AiJob from the installed handshake-job-model {__version__}"
    " (valid accepted, invalid refused, repeated key refused)"
)
