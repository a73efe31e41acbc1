"""The `openai` Python package's Responses and Conversations APIs against the emulator, per place.

Each place is an `OpenAI` client with its own `base_url`: OpenAI's `/v1`, Azure OpenAI's v1 API
(`/openai/v1`) and a Foundry project's OpenAI endpoint (`/api/projects/{p}/openai/v1`), where every
response runs a Foundry agent version created first (agents v2, `POST /agents/{name}/versions`, with
plain httpx: the lane's azure-ai-projects is the 1.0.0b6 of seed 000) and referenced with
`agent_reference` in `extra_body`. For each: a background response with a function call answered
through `previous_response_id`, the same round through a conversation with items, a stream killed
after `response.in_progress` and resumed with `responses.stream(response_id=..., starting_after=...)`,
a cancel read back, and an MCP approval request approved. The emulator serves HTTPS with the test
certificate, trusted through the client's own httpx client.

Prints one JSON object (the last line of stdout): results by place label.
argv[1]: {"url", "api_key", "ca_path", "places": [{"label", "base_url", "agent_project"?}]}.
"""

import json
import ssl
import sys
import time
from importlib import metadata

import httpx2 as httpx
import openai
from openai import DefaultHttpxClient, OpenAI

CONFIG = json.loads(sys.argv[1])
POLL_S = 0.01
TERMINAL = {"completed", "failed", "cancelled", "incomplete"}
WEATHER_STEPS = [{"tools": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"answer": "It is sunny in Paris."}]
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "strict": False,
}


def script(steps):
    return {"emulator_script": json.dumps({"steps": steps})}


def get_weather(city):
    return json.dumps({"city": city, "forecast": "sunny"})


def ssl_context():
    return ssl.create_default_context(cafile=CONFIG["ca_path"])


def create_agent(project):
    """Foundry agents v2: the agent version the place's responses run (its script: the weather round)."""
    response = httpx.post(
        f"{CONFIG['url']}/api/projects/{project}/agents/weather/versions",
        params={"api-version": "v1"},
        headers={"authorization": f"Bearer {CONFIG['api_key']}"},
        json={
            "definition": {"kind": "prompt", "model": "gpt-4o", "instructions": "Weather only.", "tools": [WEATHER_TOOL]},
            "metadata": script(WEATHER_STEPS),
        },
        verify=ssl_context(),
        trust_env=False,
    )
    response.raise_for_status()
    return response.json()


def poll(client, response_id):
    for _ in range(500):
        response = client.responses.retrieve(response_id)
        if response.status in TERMINAL:
            return response
        time.sleep(POLL_S)
    raise TimeoutError(f"response {response_id} never ended")


def answer_calls(response):
    """Runs each requested function; every output goes into the next request's input."""
    return [
        {"type": "function_call_output", "call_id": item.call_id, "output": get_weather(**json.loads(item.arguments))}
        for item in response.output
        if item.type == "function_call"
    ]


def exercise(client, create):
    """`create` adds the place's own parameters (a model, or Foundry's agent_reference) to each create."""
    result = {}

    # A background function-call round through previous_response_id.
    first = create(input="Weather in Paris?", background=True, store=True, metadata=script(WEATHER_STEPS))
    waiting = poll(client, first.id)
    outputs = answer_calls(waiting)
    second = create(previous_response_id=first.id, background=True, store=True, input=outputs)
    answered = poll(client, second.id)
    result["previous_response_id"] = {
        "first_status": first.status,
        "calls": [[item.name, item.arguments] for item in waiting.output if item.type == "function_call"],
        "call_ids": [output["call_id"] for output in outputs],
        "status": answered.status,
        "text": answered.output_text,
        "input_items": [item.type for item in client.responses.input_items.list(second.id)],
    }

    # The same round through a conversation with items.
    conversation = client.conversations.create(items=[{"type": "message", "role": "user", "content": "I am in Paris."}], metadata={"lane": "python"})
    first = create(conversation=conversation.id, input="Weather?", background=True, store=True, metadata=script(WEATHER_STEPS))
    outputs = answer_calls(poll(client, first.id))
    second = create(conversation={"id": conversation.id}, background=True, store=True, input=outputs)
    answered = poll(client, second.id)
    added = client.conversations.items.create(conversation.id, items=[{"type": "message", "role": "user", "content": "Thanks"}])
    items = list(client.conversations.items.list(conversation.id, order="asc"))
    result["conversation"] = {
        "id": conversation.id,
        "text": answered.output_text,
        "call_ids": [output["call_id"] for output in outputs],
        "items": [item.type for item in items],
        "added": [item.id for item in added.data],
        "metadata": client.conversations.retrieve(conversation.id).metadata,
        "deleted": client.conversations.delete(conversation.id).deleted,
    }

    # A stream killed after response.in_progress, resumed from its last sequence number.
    stream = create(input="Tell me", background=True, store=True, stream=True, metadata=script([{"answer": "A story in several parts.", "delay_ms": 100}]))
    seen = []
    for event in stream:
        seen.append(event)
        if event.type == "response.in_progress":
            break
    stream.close()
    response_id = seen[0].response.id
    with client.responses.stream(response_id=response_id, starting_after=seen[-1].sequence_number) as resumed:
        rest = list(resumed)
        final = resumed.get_final_response()
    result["resumed_stream"] = {
        "first": [event.type for event in seen],
        "sequence_numbers": [event.sequence_number for event in seen + rest],
        "last": rest[-1].type if rest else None,
        "text": "".join(event.delta for event in rest if event.type == "response.output_text.delta"),
        "final_status": final.status,
        "final_text": final.output_text,
    }

    # Cancel, then read back.
    slow = create(input="Slowly", background=True, store=True, metadata=script([{"answer": "late", "delay_ms": 10000}]))
    cancelled = client.responses.cancel(slow.id)
    result["cancel"] = {"after_cancel": cancelled.status, "read_back": client.responses.retrieve(slow.id).status}

    # An MCP approval request, approved.
    first = create(
        input="Ask the wiki",
        background=True,
        store=True,
        metadata=script([{"mcp_approval": {"server_label": "wiki", "name": "ask", "arguments": {"q": "why"}, "output": "Because."}}, {"answer": "The wiki says: because."}]),
    )
    request = poll(client, first.id).output[0]
    second = create(
        previous_response_id=first.id,
        background=True,
        store=True,
        input=[{"type": "mcp_approval_response", "approval_request_id": request.id, "approve": True}],
    )
    answered = poll(client, second.id)
    result["mcp"] = {
        "request": [request.type, request.server_label, request.name, request.arguments],
        "output": [[item.type, getattr(item, "output", None), getattr(item, "approval_request_id", None)] for item in answered.output],
        "text": answered.output_text,
    }
    return result


def main():
    results = {"versions": {"openai": metadata.version("openai")}}
    for place in CONFIG["places"]:
        # Trust only the emulator's test certificate; trust_env=False keeps proxies and ~/.netrc out.
        http_client = DefaultHttpxClient(verify=ssl_context(), trust_env=False)
        with OpenAI(base_url=place["base_url"], api_key=CONFIG["api_key"], http_client=http_client, max_retries=0) as client:
            if "agent_project" in place:
                agent = create_agent(place["agent_project"])
                reference = {"type": "agent_reference", "name": agent["name"]}

                def create(**fields):
                    return client.responses.create(extra_body={"agent_reference": reference}, **fields)

            else:

                def create(**fields):
                    return client.responses.create(model="gpt-4o", tools=[WEATHER_TOOL], **fields)

            results[place["label"]] = exercise(client, create)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
