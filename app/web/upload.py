"""The page's form, read in memory: three short fields and one file.

Starlette's parser spools a file to a temporary file past 1 MB. The guard has already
capped the whole body, so a spool as large as that cap never reaches the disk: the
constancia lives only in this process's memory, and only while it is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

FIELDS = ("tipo", "nss", "curp", "nombre")
FILE = "constancia"
SHORT = 200  # characters kept of a typed field: enough for any NSS or CURP however written


@dataclass(frozen=True)
class Answers:
    """What the student typed, echoed back into the form so a retry is one new file."""

    tipo: str = ""
    nss: str = ""
    curp: str = ""
    nombre: str = ""


@dataclass(frozen=True)
class Upload:
    answers: Answers
    data: bytes | None  # None: no file chosen; b"": an empty file was chosen
    filename: str


class UploadProblem(Exception):
    """The request is not the page's form: a broken or foreign upload."""


async def read_upload(request: Request, max_body: int) -> Upload:
    """The form's fields and file; UploadProblem for anything else."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UploadProblem("not multipart")

    class InMemory(MultiPartParser):
        spool_max_size = max_body + 1  # never rolls over to a temporary file

    parser = InMemory(
        request.headers,
        request.stream(),
        max_files=1,
        max_fields=len(FIELDS) + 2,
        max_part_size=4096,
    )
    try:
        form = await parser.parse()
    except (MultiPartException, LookupError, UnicodeError, ValueError) as exc:
        # a broken body, or a charset Python does not know («charset=punycode»)
        raise UploadProblem(type(exc).__name__) from None
    try:
        texts = {k: v for k in FIELDS if isinstance(v := form.get(k), str)}
        answers = Answers(**{k: " ".join(v.split())[:SHORT] for k, v in texts.items()})
        upload = form.get(FILE)
        if not isinstance(upload, UploadFile):
            return Upload(answers, None, "")
        data = await upload.read()
        filename = (upload.filename or "")[:SHORT]
        # a browser sends an empty part with no name when no file was chosen; a chosen
        # empty file has its name, and the office's verdict for it (ARCHIVO_ILEGIBLE)
        return Upload(answers, data if data or filename else None, filename)
    finally:
        await form.close()
