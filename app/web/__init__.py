"""`facultativo web`: the page where a student checks a constancia before sending the Form.

The student sees what the office's cycle will decide for the same PDF on the same day:
the same validator (in the isolated pool, with the same limits), the same texts and
steps as the emails (templates/). Nothing is stored: the PDF is read in memory, no
request body is logged, every response says `Cache-Control: no-store`.

Modules: `guard.py` (rate limit, body size and time, security headers: what protects the
page on the public internet), `upload.py` (the multipart form, read in memory),
`check.py` (form → request, verdict → what the page says), `app.py` (the Starlette
routes), `server.py` (uvicorn on a socket bound here, so errors are in Spanish).
Starlette and uvicorn are the optional extra `facultativo[web]`; nothing here imports
them until the page runs.
"""
