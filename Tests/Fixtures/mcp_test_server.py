"""An MCP server for nanos' tests, built on the `mcp` package's MCPServer (FastMCP before
mcp 2) and run over stdio by the venv of scripts/mcp-deps.sh.

It offers one of everything the bridge must carry: a tool with an input schema and a
structured result (`echo`), a tool that fails with `isError` (`fail`), a resource, and a
prompt. `history` tells which tool calls reached it, so a test can show that arguments
rejected by nanos' schema check were never sent. `crash` exits the process and `hang`
never answers, on command. Each call also writes a line to stderr, which nanos captures
into the trace.
"""

import os
import sys
from typing import Annotated, Literal

import anyio
from pydantic import BaseModel, Field

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("nanos-test-server", log_level="WARNING")
calls: list[str] = []


def note(line: str) -> None:
    print(f"test-server[{os.getpid()}]: {line}", file=sys.stderr, flush=True)


class Echo(BaseModel):
    text: str
    times: int
    shout: bool


@server.tool(description="Repeats `text` `times` times, upper-cased when `style` is shout.")
def echo(
    text: Annotated[str, Field(min_length=1, max_length=40)],
    times: Annotated[int, Field(ge=1, le=5)] = 1,
    style: Literal["plain", "shout"] = "plain",
) -> Echo:
    calls.append("echo")
    note(f"echo {text!r} x{times} {style}")
    repeated = " ".join([text] * times)
    return Echo(text=repeated.upper() if style == "shout" else repeated, times=times, shout=style == "shout")


@server.tool(description="Always fails: the result has isError and this message.")
def fail(message: str) -> str:
    calls.append("fail")
    note(f"failing with {message!r}")
    raise ToolError(message)


@server.tool(description="The tools called so far, in order (this call not included).")
def history() -> list[str]:
    seen = list(calls)
    calls.append("history")
    return seen


@server.tool(description="Exits the server process at once with `code`, as a crash would.")
def crash(code: int = 3) -> str:
    note(f"crashing with exit code {code}")
    os._exit(code)


@server.tool(description="Sleeps `seconds` before answering: a hung server, on command.")
async def hang(seconds: float = 3600) -> str:
    calls.append("hang")
    note(f"hanging for {seconds}s")
    await anyio.sleep(seconds)
    return "woke up"


@server.resource("note://readme", name="readme", description="A short text resource.", mime_type="text/plain")
def readme() -> str:
    note("read note://readme")
    return "nanos test server: tools echo, fail, history, crash, hang"


@server.prompt(description="Asks for a review of `code` written in `language`.")
def review(code: str, language: str = "python") -> str:
    note(f"prompt review ({language})")
    return f"Please review this {language} code:\n{code}"


if __name__ == "__main__":
    note("started")
    server.run()
