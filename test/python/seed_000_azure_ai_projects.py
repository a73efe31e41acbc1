"""Seed 000's client, azure-ai-projects 1.0.0b6, against the emulator as its users configure it.

`AIProjectClient.from_connection_string` sends every agents call to the hub-based project prefix
(`https://HOST/agents/v1.0/subscriptions/.../workspaces/PROJECT`, api-version 2024-12-01-preview)
with a bearer token for https://ml.azure.com/.default. azure-core refuses bearer tokens over plain
HTTP, so the emulator serves HTTPS with the test certificate, trusted through `connection_verify`.

Prints one JSON object (the last line of stdout) for the jest test to assert on.
argv[1]: {"connection_string", "ca_path", "token", "fixture_path", "slow_script"}.
"""

import json
import sys
import time
from importlib import metadata

from azure.ai.projects import AIProjectClient
from azure.ai.projects.models import (
    AgentEventHandler,
    FunctionTool,
    MessageDeltaChunk,
    MessageRole,
    RunStep,
    ThreadMessage,
    ThreadRun,
    ToolSet,
)
from azure.core.credentials import AccessToken

CONFIG = json.loads(sys.argv[1])
# Fast polling: the SDK sleeps this long between polls (1 s by default); the emulator is quick.
POLL_SECONDS = 0.05
# The emulator's scripted model: one round calling get_weather, then the answer (the emulator
# appends each tool output it received to the answer, so the test sees what reached it).
SCRIPT = json.dumps(
    {"steps": [{"tools": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"answer": "It is sunny in Paris."}]}
)

tool_calls_run = []


def get_weather(city: str) -> str:
    """Current weather for a city.

    :param city (str): The city to look up.
    :return: The weather as JSON.
    """
    tool_calls_run.append({"name": "get_weather", "city": city})
    return json.dumps({"city": city, "forecast": "sunny", "temperature_c": 22})


def book_room(room: str, hour: int) -> str:
    """Book a meeting room.

    :param room (str): The room's name.
    :param hour (int): The hour to book.
    """
    tool_calls_run.append({"name": "book_room", "room": room, "hour": hour})
    return "booked"


class StaticTokenCredential:
    """The smallest TokenCredential: azure-core's bearer policy only calls get_token(*scopes)."""

    def __init__(self, token):
        self.token = token
        self.scopes = []

    def get_token(self, *scopes, **kwargs):
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


class RecordingHandler(AgentEventHandler):
    """Records what the stream delivered, in the SDK's own types."""

    def __init__(self):
        super().__init__()
        self.run_statuses = []
        self.step_types = []
        self.text = ""
        self.messages = []
        self.unhandled = []
        self.done = False

    def on_message_delta(self, delta: "MessageDeltaChunk") -> None:
        self.text += delta.text

    def on_thread_message(self, message: "ThreadMessage") -> None:
        if message.status == "completed":
            self.messages.append("".join(part.text.value for part in message.text_messages))

    def on_thread_run(self, run: "ThreadRun") -> None:
        self.run_statuses.append(enum_value(run.status))

    def on_run_step(self, step: "RunStep") -> None:
        self.step_types.append(f"{enum_value(step.type)}:{enum_value(step.status)}")

    def on_done(self) -> None:
        self.done = True

    def on_unhandled_event(self, event_type: str, event_data) -> None:
        self.unhandled.append(event_type)


def enum_value(value):
    """The wire string of a field the SDK may hand back as one of its string enums."""
    return getattr(value, "value", value)


def last_assistant_text(client, thread_id):
    message = client.agents.list_messages(thread_id=thread_id).get_last_text_message_by_role(MessageRole.AGENT)
    return message.text.value if message is not None else None


def main():
    credential = StaticTokenCredential(CONFIG["token"])
    client = AIProjectClient.from_connection_string(
        credential=credential,
        conn_str=CONFIG["connection_string"],
        # Trust the emulator's test certificate; use_env_settings=False keeps proxies and ~/.netrc out.
        connection_verify=CONFIG["ca_path"],
        use_env_settings=False,
    )
    result = {"versions": {name: metadata.version(name) for name in ("azure-ai-projects", "azure-core")}}

    with client:
        toolset = ToolSet()
        toolset.add(FunctionTool(functions={get_weather, book_room}))
        agent = client.agents.create_agent(
            model="gpt-4o",
            name="seed-000",
            instructions="Answer with the weather.",
            toolset=toolset,
            metadata={"emulator_script": SCRIPT},
        )
        result["agent"] = {"id": agent.id, "tools": sorted(tool.function.name for tool in agent.tools)}

        # create_and_process_run: the SDK polls, runs get_weather itself and submits its output.
        thread = client.agents.create_thread()
        client.agents.create_message(thread_id=thread.id, role="user", content="Weather in Paris?")
        run = client.agents.create_and_process_run(thread_id=thread.id, assistant_id=agent.id, sleep_interval=POLL_SECONDS)
        steps = client.agents.list_run_steps(thread_id=thread.id, run_id=run.id)
        result["process_run"] = {
            "status": enum_value(run.status),
            "tool_calls_run": list(tool_calls_run),
            "tool_call_ids": [
                call.id for step in steps.data if step.type == "tool_calls" for call in step.step_details.tool_calls
            ],
            "answer": last_assistant_text(client, thread.id),
        }

        # create_stream with an AgentEventHandler: the tool round happens inside the stream (the SDK
        # calls submit_tool_outputs_to_stream with the toolset's output and keeps reading).
        tool_calls_run.clear()
        stream_thread = client.agents.create_thread()
        client.agents.create_message(thread_id=stream_thread.id, role="user", content="Stream the weather")
        handler = RecordingHandler()
        with client.agents.create_stream(thread_id=stream_thread.id, assistant_id=agent.id, event_handler=handler) as stream:
            stream.until_done()
        result["stream"] = {
            "run_statuses": handler.run_statuses,
            "step_types": handler.step_types,
            "text": handler.text,
            "messages": handler.messages,
            "done": handler.done,
            "unhandled": handler.unhandled,
            "tool_calls_run": list(tool_calls_run),
        }

        # Files: bytes with a filename (the form with a separate `filename` field), and a path.
        from_bytes = client.agents.upload_file_and_poll(
            file=b"\xff\xfebinary notes\r\n--x--", filename="notes.bin", purpose="assistants", sleep_interval=POLL_SECONDS
        )
        from_path = client.agents.upload_file_and_poll(
            file_path=CONFIG["fixture_path"], purpose="assistants", sleep_interval=POLL_SECONDS
        )
        broken = client.agents.upload_file_and_poll(
            file=b"cannot be parsed", filename="scan.fail.txt", purpose="assistants", sleep_interval=POLL_SECONDS
        )
        result["uploads"] = [
            {"id": f.id, "filename": f.filename, "bytes": f.bytes, "status": enum_value(f.status)}
            for f in (from_bytes, from_path, broken)
        ]

        # Vector stores and a file batch, polled to the end by the SDK.
        vector_store = client.agents.create_vector_store_and_poll(
            file_ids=[from_bytes.id, from_path.id], name="seed-store", sleep_interval=POLL_SECONDS
        )
        batch = client.agents.create_vector_store_file_batch_and_poll(
            vector_store_id=vector_store.id, file_ids=[broken.id], sleep_interval=POLL_SECONDS
        )
        store_files = client.agents.list_vector_store_files(vector_store_id=vector_store.id)
        result["vector_store"] = {
            "id": vector_store.id,
            "name": vector_store.name,
            "status": enum_value(vector_store.status),
            "file_counts": dict(vector_store.file_counts),
        }
        result["batch"] = {"status": enum_value(batch.status), "file_counts": dict(batch.file_counts)}
        result["vector_store_files"] = sorted([f.id, enum_value(f.status)] for f in store_files.data)

        # cancel_run on a run whose scripted model takes its time.
        slow_thread = client.agents.create_thread()
        client.agents.create_message(thread_id=slow_thread.id, role="user", content="Take your time")
        slow = client.agents.create_run(
            thread_id=slow_thread.id, assistant_id=agent.id, metadata={"emulator_script": CONFIG["slow_script"]}
        )
        cancelling = client.agents.cancel_run(thread_id=slow_thread.id, run_id=slow.id)
        final = cancelling
        for _ in range(200):
            if final.status not in ("queued", "in_progress", "cancelling"):
                break
            time.sleep(POLL_SECONDS)
            final = client.agents.get_run(thread_id=slow_thread.id, run_id=slow.id)
        result["cancel"] = {"after_cancel": enum_value(cancelling.status), "final": enum_value(final.status)}

        deleted = client.agents.delete_vector_store(vector_store.id)
        result["deleted"] = {"vector_store": deleted.deleted, "agent": client.agents.delete_agent(agent.id).deleted}

    result["scopes"] = sorted(set(credential.scopes))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
