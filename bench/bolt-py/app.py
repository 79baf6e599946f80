"""A minimal Bolt for Python app (async, on uvicorn) answering `/incident help`, for bench/ack-path.sh.

It acks with the same blocks Firebreak answers (read from BENCH_HELP_JSON) and makes no Web API
call: `authorize` returns a fixed installation instead of calling auth.test.
"""

import json
import os

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

with open(os.environ["BENCH_HELP_JSON"], encoding="utf-8") as f:
    HELP = json.load(f)


async def authorize(**_kwargs):
    return AuthorizeResult(
        enterprise_id=None, team_id="T0BENCH", bot_token="xoxb-bench", bot_user_id="U0BENCH", bot_id="B0BENCH"
    )


app = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], authorize=authorize)


@app.command("/incident")
async def incident(ack):
    await ack(response_type="ephemeral", text=HELP["text"], blocks=HELP["blocks"])


api = AsyncSlackRequestHandler(app, path="/slack/commands")
