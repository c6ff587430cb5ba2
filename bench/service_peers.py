"""The peers the service is measured against, served by the same server as the service
(`complaintflow.service.server.serve`, uvicorn with the same settings) and driven by the same client.

    python -m bench.service_peers PORT

`POST /cases/{case_id}/events` reads the body and answers `{"version":1}` at once; the same path
under `/thread` first hops to a worker thread once, as a route that does its work off the event
loop must.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from complaintflow.limits import HEADER_SECONDS, MAX_CONNECTIONS
from complaintflow.service.server import serve

app = FastAPI()


@app.post("/cases/{case_id}/events")
async def nothing(case_id: str, request: Request) -> Response:
    await request.body()
    return Response(b'{"version":1}', media_type="application/json")


@app.post("/thread/cases/{case_id}/events")
async def one_hop(case_id: str, request: Request) -> Response:
    await request.body()
    await run_in_threadpool(lambda: None)
    return Response(b'{"version":1}', media_type="application/json")


if __name__ == "__main__":
    serve(app, "127.0.0.1", int(sys.argv[1]), header_seconds=HEADER_SECONDS, max_connections=MAX_CONNECTIONS)
