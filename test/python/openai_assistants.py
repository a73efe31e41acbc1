"""The `openai` Python package's Assistants helpers against the emulator, once per client.

`OpenAI` speaks the OpenAI dialect (`/v1`); `AzureOpenAI` the Azure OpenAI dialect (`/openai`,
`?api-version=`, `api-key`). Each client creates an assistant with a function tool and file_search
(its vector store made by the `vector_stores` helper), completes a run with create_and_poll and
submit_tool_outputs_and_poll, streams a run whose tool round is answered from inside an
AssistantEventHandler, and uploads files into vector stores with the poll helpers. The emulator
serves HTTPS with the test certificate, trusted through the client's own httpx client.

Prints one JSON object (the last line of stdout): results by client label.
argv[1]: {"url", "api_key", "ca_path", "fixture_path", "clients": [{"label", "kind", "api_version"?}]}.
"""

import json
import ssl
import sys
import time
import warnings
from importlib import metadata

import openai
from openai import AssistantEventHandler, AzureOpenAI, DefaultHttpxClient, OpenAI

# The Assistants helpers warn on every call that they are deprecated; the lane knows.
warnings.filterwarnings("ignore", category=DeprecationWarning)

CONFIG = json.loads(sys.argv[1])
POLL_MS = 20
SCRIPT = json.dumps(
    {"steps": [{"tools": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"answer": "It is sunny in Paris."}]}
)
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def get_weather(city):
    return json.dumps({"city": city, "forecast": "sunny"})


def run_tools(tool_calls):
    """Runs each requested function; all outputs of a round go in one submission."""
    return [
        {"tool_call_id": call.id, "output": get_weather(**json.loads(call.function.arguments))} for call in tool_calls
    ]


def make_client(spec):
    # Trust only the emulator's test certificate; trust_env=False keeps proxies, SSL_CERT_FILE and ~/.netrc out.
    http_client = DefaultHttpxClient(verify=ssl.create_default_context(cafile=CONFIG["ca_path"]), trust_env=False)
    if spec["kind"] == "openai":
        return OpenAI(base_url=f"{CONFIG['url']}/v1", api_key=CONFIG["api_key"], http_client=http_client, max_retries=0)
    return AzureOpenAI(
        azure_endpoint=CONFIG["url"],
        api_key=CONFIG["api_key"],
        api_version=spec["api_version"],
        http_client=http_client,
        max_retries=0,
    )


def wait_for_vector_store(client, vector_store_id):
    for _ in range(250):
        store = client.vector_stores.retrieve(vector_store_id)
        if store.status != "in_progress":
            return store
        time.sleep(POLL_MS / 1000)
    raise TimeoutError(f"vector store {vector_store_id} still in_progress")


def text_of(messages):
    return ["".join(part.text.value for part in message.content if part.type == "text") for message in messages]


class TextHandler(AssistantEventHandler):
    """Collects the streamed answer."""

    def __init__(self):
        super().__init__()
        self.text = ""
        self.events = []

    def on_event(self, event):
        self.events.append(event.event)

    def on_text_delta(self, delta, snapshot):
        self.text += delta.value or ""


class ToolRoundHandler(TextHandler):
    """Answers the run's tool round from inside the stream, as OpenAI's own streaming sample does."""

    def __init__(self, client, thread_id):
        super().__init__()
        self.client = client
        self.thread_id = thread_id
        self.after_tools = None

    def on_event(self, event):
        super().on_event(event)
        if event.event == "thread.run.requires_action":
            outputs = run_tools(event.data.required_action.submit_tool_outputs.tool_calls)
            self.after_tools = TextHandler()
            with self.client.beta.threads.runs.submit_tool_outputs_stream(
                thread_id=self.thread_id, run_id=event.data.id, tool_outputs=outputs, event_handler=self.after_tools
            ) as stream:
                stream.until_done()


def exercise(client, label):
    result = {}
    policy = client.files.create(file=("policy.txt", b"Economy below six hours."), purpose="assistants")

    # An assistant with a function tool and file_search, its vector store made by the helper.
    assistant = client.beta.assistants.create(
        model="gpt-4o",
        name=f"lane-{label}",
        tools=[WEATHER_TOOL, {"type": "file_search"}],
        tool_resources={"file_search": {"vector_stores": [{"file_ids": [policy.id], "metadata": {"lane": label}}]}},
        metadata={"emulator_script": SCRIPT},
    )
    helper_store_id = assistant.tool_resources.file_search.vector_store_ids[0]
    helper_store = wait_for_vector_store(client, helper_store_id)
    helper_files = client.vector_stores.files.list(vector_store_id=helper_store_id)
    deleted = client.vector_stores.delete(helper_store_id)
    try:
        client.vector_stores.retrieve(helper_store_id)
        after_delete = 200
    except openai.NotFoundError as error:
        after_delete = error.status_code
    result["helper"] = {
        "vector_store_id": helper_store_id,
        "status": helper_store.status,
        "metadata": helper_store.metadata,
        "completed": helper_store.file_counts.completed,
        "file_ids": [f.id for f in helper_files.data],
        "policy_file_id": policy.id,
        "deleted": deleted.deleted,
        "after_delete": after_delete,
    }
    thread_with_store = client.beta.threads.create(
        tool_resources={"file_search": {"vector_stores": [{"file_ids": [policy.id]}]}}
    )
    thread_store = client.vector_stores.retrieve(thread_with_store.tool_resources.file_search.vector_store_ids[0])
    result["thread_helper"] = {"expires_after": thread_store.expires_after.model_dump() if thread_store.expires_after else None}

    # create_and_poll stops at requires_action; submit_tool_outputs_and_poll finishes the run.
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Paris?"}])
    waiting = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=POLL_MS)
    calls = waiting.required_action.submit_tool_outputs.tool_calls
    done = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=waiting.id, thread_id=thread.id, tool_outputs=run_tools(calls), poll_interval_ms=POLL_MS
    )
    messages = client.beta.threads.messages.list(thread_id=thread.id, run_id=done.id)
    result["polled"] = {
        "waiting_status": waiting.status,
        "tool_calls": [[call.id, call.function.name, call.function.arguments] for call in calls],
        "status": done.status,
        "answer": text_of(messages.data),
    }

    # A streamed run: the handler answers the tool round inside the stream.
    stream_thread = client.beta.threads.create(messages=[{"role": "user", "content": "Stream the weather"}])
    handler = ToolRoundHandler(client, stream_thread.id)
    with client.beta.threads.runs.stream(thread_id=stream_thread.id, assistant_id=assistant.id, event_handler=handler) as stream:
        stream.until_done()
    result["streamed"] = {
        "first_events": handler.events,
        "second_events": handler.after_tools.events if handler.after_tools else [],
        "text": handler.after_tools.text if handler.after_tools else "",
        "final_status": client.beta.threads.runs.list(thread_id=stream_thread.id).data[0].status,
    }

    # Files and vector stores with the poll helpers.
    with open(CONFIG["fixture_path"], "rb") as fixture:
        fixture_bytes = fixture.read()
    store = client.vector_stores.create(name=f"store-{label}", file_ids=[policy.id])
    single = client.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("travel-policy.txt", fixture_bytes), poll_interval_ms=POLL_MS
    )
    batch = client.vector_stores.file_batches.upload_and_poll(
        vector_store_id=store.id,
        files=[("a.txt", b"alpha"), ("b.fail.txt", b"beta")],
        poll_interval_ms=POLL_MS,
    )
    final_store = wait_for_vector_store(client, store.id)
    uploaded = client.files.retrieve(single.id)
    result["files"] = {
        "single": {"status": single.status, "filename": uploaded.filename, "bytes": uploaded.bytes},
        "content_matches": client.files.content(single.id).read() == fixture_bytes,
        "batch": {"status": batch.status, "file_counts": batch.file_counts.model_dump()},
        "store": {"status": final_store.status, "file_counts": final_store.file_counts.model_dump()},
        "listed": policy.id in [f.id for f in client.files.list(purpose="assistants").data],
        "deleted": client.files.delete(policy.id).deleted,
    }
    return result


def main():
    results = {"versions": {"openai": metadata.version("openai")}}
    for spec in CONFIG["clients"]:
        with make_client(spec) as client:
            results[spec["label"]] = exercise(client, spec["label"])
    print(json.dumps(results))


if __name__ == "__main__":
    main()
