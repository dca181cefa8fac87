// The OpenAI Responses API shape ⇄ canonical: input items to messages, settings, the response object and the stream
// events, and what a stateless gateway refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResponsesRequest } from '../../src/gateway/wire/responses/request.ts';
import { toResponsesResponse } from '../../src/gateway/wire/responses/answer.ts';
import { createResponsesEventEncoder } from '../../src/gateway/wire/responses/stream.ts';
import { WireRequestError } from '../../src/providers/translate/wire-error.ts';

test('responses request: instructions, messages, function calls and outputs → canonical messages', () => {
  const body = {
    model: 'm',
    instructions: 'Be brief.',
    stream: true,
    max_output_tokens: 50,
    temperature: 0.3,
    top_p: 0.8,
    user: 'u1',
    prompt_cache_key: 'thread-1',
    parallel_tool_calls: false,
    reasoning: { effort: 'low' },
    text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
    tools: [
      {
        type: 'function',
        name: 'lookup',
        description: 'Look up',
        parameters: { type: 'object', properties: {} },
        strict: true,
      },
    ],
    tool_choice: { type: 'function', name: 'lookup' },
    input: [
      { role: 'developer', content: 'Use tools.' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Look up ' },
          { type: 'input_text', text: 'cats' },
        ],
      },
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
      { type: 'function_call', call_id: 'c1', name: 'lookup', arguments: '{"q":"cats"}' },
      { type: 'function_call', call_id: 'c2', name: 'lookup', arguments: '{"q":"dogs"}' },
      { type: 'function_call_output', call_id: 'c1', output: 'meow' },
      { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'woof' }] },
    ],
  };
  const { request, stream } = parseResponsesRequest(body);
  assert.equal(stream, true);
  // The body as sent rides along, for a route that serves the Responses API.
  assert.equal(request.responses_body, body);
  assert.deepEqual(
    { ...request, responses_body: undefined },
    {
      responses_body: undefined,
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'Use tools.' },
        { role: 'user', content: 'Look up cats' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'c1', name: 'lookup', arguments: '{"q":"cats"}' },
            { id: 'c2', name: 'lookup', arguments: '{"q":"dogs"}' },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'meow' },
        { role: 'tool', tool_call_id: 'c2', content: 'woof' },
      ],
      tools: [{ name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: {} }, strict: true }],
      tool_choice: { name: 'lookup' },
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.8,
      parallel_tool_calls: false,
      reasoning_effort: 'low',
      user: 'u1',
      prompt_cache_key: 'thread-1',
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
    },
  );
  // strict as the caller set it; left out, it stays out (chat completions have no "strict when the schema allows").
  const strictness = parseResponsesRequest({
    model: 'm',
    input: 'x',
    tools: [
      { type: 'function', name: 'a', parameters: {}, strict: false },
      { type: 'function', name: 'b', parameters: {} },
      { type: 'function', name: 'c', parameters: {}, strict: null },
    ],
  }).request.tools?.map((t) => t.strict);
  assert.deepEqual(strictness, [false, undefined, undefined]);
  // A string input is one user message; a function call with no assistant turn before it opens one.
  assert.deepEqual(parseResponsesRequest({ model: 'm', input: 'hi' }).request.messages, [
    { role: 'user', content: 'hi' },
  ]);
  assert.deepEqual(
    parseResponsesRequest({ model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }] })
      .request.messages,
    [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', name: 'f', arguments: '{}' }] }],
  );
});

test('responses request: what cannot be answered statelessly or routed is refused, located', () => {
  const cases: [unknown, RegExp][] = [
    [
      { model: 'm', input: 'x', previous_response_id: 'resp_1' },
      /^previous_response_id: "resp_1" is not read here \(only POST \/v1\/responses continues/,
    ],
    [{ model: 'm', input: 'x', conversation: 'conv_1' }, /^conversation: the gateway keeps no conversations/],
    [{ model: 'm', input: 'x', background: true }, /^background: the gateway keeps no responses to poll/],
    [
      { model: 'm', input: 'x', tools: [{ type: 'namespace', name: 'crm', tools: [] }] },
      /^tools\[0\]\.tools: expected a non-empty array/,
    ],
    [
      { model: 'm', input: 'x', tools: [{ type: 'namespace', name: 'crm', tools: [{ type: 'web_search' }] }] },
      /^tools\[0\]\.tools\[0\]\.type: a namespace holds function and custom tools only/,
    ],
    [
      { model: 'm', input: 'x', tools: [{ type: 'namespace', tools: [{ type: 'function', name: 'f' }] }] },
      /^tools\[0\]\.name: required/,
    ],
    [
      { model: 'm', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } },
      /^tool_choice\.type: forces the built-in "web_search" tool/,
    ],
    [
      { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] },
      /^input\[0\]\.type: item "item_reference" is not supported/,
    ],
    [
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f1' }] }] },
      /^input\[0\]\.content\[0\]\.image_url: required/,
    ],
    [
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'x' }] }] },
      /^input\[0\]\.content\[0\]\.type: content part "input_file" is not supported/,
    ],
    [{ model: 'm', input: [] }, /^input: /],
    [{ model: 'm' }, /^input is required/],
    [
      { model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: 5 }] },
      /^input\[0\]\.arguments: expected a string of JSON text/,
    ],
    [
      { model: 'm', input: [{ role: 'user', content: 5 }] },
      /^input\[0\]\.content: expected a string or an array of content parts/,
    ],
    [
      { model: 'm', input: 'x', tools: [{ type: 'custom', name: 'p' }], tool_choice: { type: 'function', name: 'f' } },
      /^tool_choice: names the tool "f", which is not in tools \(the request's tools are "p"\)/,
    ],
  ];
  for (const [body, pattern] of cases) {
    assert.throws(
      () => parseResponsesRequest(body),
      (e: unknown) => WireRequestError.isInstance(e) && pattern.test(e.message),
      String(pattern),
    );
  }
});

test('responses answer: text and function calls as output items; a length stop is incomplete', () => {
  const done = toResponsesResponse({
    id: 'chatcmpl-9',
    model: 'm',
    content: 'Hi.',
    tool_calls: [{ id: 'c1', name: 'f', arguments: '{}' }],
    finish_reason: 'tool_calls',
    usage: { input_tokens: 3, output_tokens: 2 },
  });
  assert.match(String(done['id']), /^resp_[0-9a-f]{32}$/, "the gateway's own id, whatever the upstream's");
  assert.equal(done['status'], 'completed');
  const output = done['output'] as Record<string, unknown>[];
  assert.deepEqual(
    output.map((o) => o['type']),
    ['message', 'function_call'],
  );
  assert.deepEqual((output[0]!['content'] as unknown[])[0], {
    type: 'output_text',
    text: 'Hi.',
    annotations: [],
    logprobs: [],
  });
  assert.equal(output[1]!['call_id'], 'c1');
  assert.deepEqual(done['usage'], {
    input_tokens: 3,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 2,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 5,
  });
  const cut = toResponsesResponse({ id: '', model: 'm', content: 'Hi', tool_calls: [], finish_reason: 'length' });
  assert.equal(cut['status'], 'incomplete');
  assert.deepEqual(cut['incomplete_details'], { reason: 'max_output_tokens' });
  assert.match(String(cut['id']), /^resp_[0-9a-f]{32}$/);
  assert.deepEqual(
    (cut['output'] as Record<string, unknown>[]).map((o) => o['status']),
    ['incomplete'],
    'the message it was cut in, as OpenAI marks it',
  );
  assert.deepEqual(
    (done['output'] as Record<string, unknown>[]).map((o) => o['status']),
    ['completed', 'completed'],
  );
  // Cut in a tool call: the text before it was finished, the call was not.
  const cutCall = toResponsesResponse({
    id: '',
    model: 'm',
    content: 'Hi.',
    tool_calls: [{ id: 'c1', name: 'f', arguments: '{"a":' }],
    finish_reason: 'length',
  });
  assert.deepEqual(
    (cutCall['output'] as Record<string, unknown>[]).map((o) => [o['type'], o['status']]),
    [
      ['message', 'completed'],
      ['function_call', 'incomplete'],
    ],
  );
});

test('responses stream: an answer cut short closes the item it was cut in as incomplete, as the answer object says', () => {
  const run = (
    finish: 'length' | 'content_filter' | 'stop',
    withCall: boolean,
  ): { done: unknown[]; final: Record<string, unknown> } => {
    const { encode } = createResponsesEventEncoder();
    const events = [...encode({ type: 'start', id: 'x', model: 'm' }), ...encode({ type: 'text', text: 'Partial' })];
    if (withCall)
      events.push(
        ...encode({ type: 'tool_call_start', index: 0, id: 'c1', name: 'f' }),
        ...encode({ type: 'tool_call_delta', index: 0, arguments: '{"a":' }),
      );
    events.push(...encode({ type: 'finish', finish_reason: finish }));
    const done = events
      .filter((e) => e.event === 'response.output_item.done')
      .map((e) => (e.data['item'] as Record<string, unknown>)['status']);
    return { done, final: events.at(-1)!.data['response'] as Record<string, unknown> };
  };
  const cut = run('length', false);
  assert.deepEqual(cut.done, ['incomplete']);
  assert.deepEqual(
    (cut.final['output'] as Record<string, unknown>[]).map((o) => o['status']),
    ['incomplete'],
  );
  assert.deepEqual((cut.final['output'] as Record<string, unknown>[])[0]?.['content'], [
    { type: 'output_text', text: 'Partial', annotations: [], logprobs: [] },
  ]);
  assert.deepEqual(run('content_filter', false).done, ['incomplete']);
  assert.deepEqual(
    run('length', true).done,
    ['completed', 'incomplete'],
    'the message closed when the call began; the call was cut',
  );
  assert.deepEqual(run('stop', false).done, ['completed']);
});

test('responses stream: events in order with sequence numbers, items opened and closed, the final response whole', () => {
  const { encode } = createResponsesEventEncoder();
  const events = [
    ...encode({ type: 'start', id: 'x-1', model: 'm' }),
    ...encode({ type: 'text', text: 'Let me ' }),
    ...encode({ type: 'text', text: 'check.' }),
    ...encode({ type: 'tool_call_start', index: 0, id: 'c1', name: 'f' }),
    ...encode({ type: 'tool_call_delta', index: 0, arguments: '{"a":' }),
    ...encode({ type: 'tool_call_delta', index: 0, arguments: '1}' }),
    ...encode({ type: 'finish', finish_reason: 'tool_calls', usage: { input_tokens: 4, output_tokens: 6 } }),
  ];
  assert.deepEqual(
    events.map((e) => e.event),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ],
  );
  assert.deepEqual(
    events.map((e) => e.data['sequence_number']),
    events.map((_, i) => i),
  );
  for (const e of events) assert.equal(e.data['type'], e.event);
  const final = events.at(-1)!.data['response'] as Record<string, unknown>;
  assert.match(String(final['id']), /^resp_[0-9a-f]{32}$/, "the gateway's own id, not the upstream's x-1");
  assert.ok(events.every((e) => !('response' in e.data) || (e.data['response'] as { id: string }).id === final['id']));
  const output = final['output'] as Record<string, unknown>[];
  assert.equal(output.length, 2);
  assert.deepEqual((output[0]!['content'] as Record<string, unknown>[])[0]!['text'], 'Let me check.');
  assert.equal(output[1]!['arguments'], '{"a":1}');
  assert.equal(output[1]!['status'], 'completed');
  assert.equal((final['usage'] as Record<string, unknown>)['total_tokens'], 10);
});

test('custom tools: offered as a function with one string input (grammar quoted), calls and outputs round-trip, answered as custom_tool_call', () => {
  const { request, customTools } = parseResponsesRequest({
    model: 'm',
    tools: [
      {
        type: 'custom',
        name: 'apply_patch',
        description: 'Edit files',
        format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' },
      },
    ],
    tool_choice: { type: 'custom', name: 'apply_patch' },
    input: [
      { role: 'user', content: 'fix it' },
      { type: 'custom_tool_call', call_id: 'c1', name: 'apply_patch', input: '*** Begin Patch\n…' },
      { type: 'custom_tool_call_output', call_id: 'c1', output: 'Done' },
    ],
  });
  assert.deepEqual([...customTools], ['apply_patch']);
  const tool = request.tools?.[0];
  assert.equal(tool?.name, 'apply_patch');
  assert.deepEqual(tool?.parameters['required'], ['input']);
  assert.match(
    tool?.description ?? '',
    /^Edit files\n\nThe input must follow this lark grammar:\nstart: "\*\*\* Begin Patch"$/,
  );
  assert.deepEqual(request.tool_choice, { name: 'apply_patch' });
  assert.deepEqual(request.messages.slice(1), [
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n…' }) }],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'Done' },
  ]);

  const answer = toResponsesResponse(
    {
      id: 'x',
      model: 'm',
      content: '',
      finish_reason: 'tool_calls',
      tool_calls: [{ id: 'c2', name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' }],
    },
    { customTools },
  );
  const item = (answer['output'] as Record<string, unknown>[])[0]!;
  assert.equal(item['type'], 'custom_tool_call');
  assert.equal(item['input'], '*** Begin Patch');
  assert.equal(item['call_id'], 'c2');

  const { encode } = createResponsesEventEncoder({ customTools });
  const events = [
    ...encode({ type: 'start', id: 'x', model: 'm' }),
    ...encode({ type: 'tool_call_start', index: 0, id: 'c3', name: 'apply_patch' }),
    ...encode({ type: 'tool_call_delta', index: 0, arguments: '{"input":"*** Be' }),
    ...encode({ type: 'tool_call_delta', index: 0, arguments: 'gin Patch"}' }),
    ...encode({ type: 'finish', finish_reason: 'tool_calls' }),
  ];
  assert.deepEqual(events.map((e) => e.event).slice(2), [
    'response.output_item.added',
    'response.custom_tool_call_input.delta',
    'response.custom_tool_call_input.done',
    'response.output_item.done',
    'response.completed',
  ]);
  assert.equal(
    events.find((e) => e.event === 'response.custom_tool_call_input.done')?.data['input'],
    '*** Begin Patch',
  );
});

test('a function_call_output with an image carries it (as a tool result image); a file in it is refused by name, not dropped', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  const { request } = parseResponsesRequest({
    model: 'm',
    input: [
      { role: 'user', content: 'shot' },
      { type: 'function_call', call_id: 'c1', name: 'screenshot', arguments: '{}' },
      {
        type: 'function_call_output',
        call_id: 'c1',
        output: [
          { type: 'input_text', text: 'here' },
          { type: 'input_image', image_url: png },
        ],
      },
    ],
  });
  assert.deepEqual(request.messages.at(-1), {
    role: 'tool',
    tool_call_id: 'c1',
    content: 'here',
    parts: [
      { type: 'text', text: 'here' },
      { type: 'image', url: png },
    ],
  });
  assert.throws(
    () =>
      parseResponsesRequest({
        model: 'm',
        input: [
          { type: 'function_call', call_id: 'c1', name: 'read', arguments: '{}' },
          {
            type: 'function_call_output',
            call_id: 'c1',
            output: [
              { type: 'input_text', text: 'x' },
              { type: 'input_file', file_id: 'file-1' },
            ],
          },
        ],
      }),
    (e: unknown) =>
      WireRequestError.isInstance(e) &&
      /^input\[1\]\.output\[1\]\.type: content part "input_file" is not supported/.test(e.message),
  );
});

test('responses: text and then a refusal are two parts of one message, each with its own events and content index', () => {
  const answer = toResponsesResponse({
    id: 'r',
    model: 'm',
    content: 'Well.',
    refusal: 'No.',
    tool_calls: [],
    finish_reason: 'stop',
  });
  assert.deepEqual((answer['output'] as { content: unknown }[])[0]?.content, [
    { type: 'output_text', text: 'Well.', annotations: [], logprobs: [] },
    { type: 'refusal', refusal: 'No.' },
  ]);
  const { encode } = createResponsesEventEncoder();
  const events = [
    ...encode({ type: 'start', id: 'r', model: 'm' }),
    ...encode({ type: 'text', text: 'Well.' }),
    ...encode({ type: 'refusal', text: 'N' }),
    ...encode({ type: 'refusal', text: 'o.' }),
    ...encode({ type: 'finish', finish_reason: 'stop' }),
  ].map((e) => e.data as Record<string, unknown>);
  const parts = events
    .filter((e) => e['content_index'] !== undefined)
    .map((e) => `${String(e['type'])}@${String(e['content_index'])}`);
  assert.deepEqual(parts, [
    'response.content_part.added@0',
    'response.output_text.delta@0',
    'response.output_text.done@0',
    'response.content_part.done@0',
    'response.content_part.added@1',
    'response.refusal.delta@1',
    'response.refusal.delta@1',
    'response.refusal.done@1',
    'response.content_part.done@1',
  ]);
  assert.equal(events.find((e) => e['type'] === 'response.refusal.done')?.['refusal'], 'No.');
  const done = events.at(-1)!['response'] as { status: string; output: { content: unknown }[] };
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.output[0]?.content, [
    { type: 'output_text', text: 'Well.', annotations: [], logprobs: [] },
    { type: 'refusal', refusal: 'No.' },
  ]);
});

test('responses request: the codes clients act on come with the stateful refusals', () => {
  const codeOf = (body: unknown): string | undefined => {
    try {
      parseResponsesRequest(body);
    } catch (e) {
      return WireRequestError.isInstance(e) ? e.code : 'not a WireRequestError';
    }
    return undefined;
  };
  assert.equal(codeOf({ model: 'm', input: 'x', previous_response_id: 'resp_1' }), 'previous_response_not_found');
  assert.equal(codeOf({ model: 'm', input: 'x', conversation: { id: 'conv_1' } }), 'unsupported_parameter');
  // store: true asks for nothing of the translation: the gateway's conversation record keeps the turn.
  assert.equal(codeOf({ model: 'm', input: 'x', store: true }), undefined);
  assert.equal(codeOf({ model: 'm', input: 'x', store: false }), undefined);
});

test('built-in tools: left out and listed by default, refused under hosted_tools: refuse, refused when forced', () => {
  const body = {
    model: 'm',
    input: 'x',
    tools: [
      { type: 'web_search' },
      { type: 'function', name: 'f', parameters: { type: 'object' } },
      { type: 'mcp', server_label: 'x' },
      { type: 'web_search' },
    ],
  };
  const dropped = parseResponsesRequest(body);
  assert.deepEqual(
    dropped.request.tools?.map((t) => t.name),
    ['f'],
  );
  assert.deepEqual(dropped.droppedTools, ['web_search', 'mcp']);
  const only = parseResponsesRequest({ model: 'm', input: 'x', tools: [{ type: 'image_generation' }] });
  assert.equal(only.request.tools, undefined);
  assert.throws(
    () => parseResponsesRequest(body, { hostedTools: 'refuse' }),
    (e: unknown) =>
      WireRequestError.isInstance(e) &&
      e.code === 'hosted_tool_unsupported' &&
      /^tools\[0\]\.type: "web_search" is a built-in tool that OpenAI runs on its side.*gateway\.hosted_tools: refuse/.test(
        e.message,
      ),
  );
  assert.throws(
    () => parseResponsesRequest({ ...body, tool_choice: { type: 'mcp', server_label: 'x' } }),
    (e: unknown) => WireRequestError.isInstance(e) && e.code === 'hosted_tool_unsupported',
  );
});

test('namespace tools: flattened on the way up (plain names kept, collisions and long names resolved), calls answered inside their namespace', () => {
  const lookup = {
    type: 'function',
    name: 'lookup',
    description: 'Look up',
    parameters: { type: 'object', properties: { id: { type: 'string' } } },
  };
  const parsed = parseResponsesRequest({
    model: 'm',
    tools: [
      { type: 'namespace', name: 'crm', description: 'CRM', tools: [lookup, { type: 'custom', name: 'note' }] },
      { type: 'namespace', name: 'mcp__docs__', description: 'Docs', tools: [{ ...lookup, defer_loading: true }] },
      {
        type: 'namespace',
        name: 'a.very.long.namespace.name.that.goes.on.and.on',
        description: '',
        tools: [{ type: 'function', name: 'and_a_long_function_name_too' }],
      },
      { type: 'function', name: 'crm__lookup', parameters: { type: 'object' } },
    ],
    tool_choice: { type: 'function', name: 'lookup', namespace: 'crm' },
    input: [
      { role: 'user', content: 'find it' },
      { type: 'function_call', call_id: 'c1', name: 'lookup', namespace: 'crm', arguments: '{"id":"1"}' },
      { type: 'function_call_output', call_id: 'c1', output: 'found' },
    ],
  });
  const names = parsed.request.tools?.map((t) => t.name);
  assert.deepEqual(names, ['crm__lookup', 'crm__lookup_2', 'crm__note', 'mcp__docs__lookup', names?.[4]]);
  assert.match(names![4]!, /^a_very_long_namespace_name_that_goes_on_and_on__and_a_l_[0-9a-f]{8}$/);
  assert.ok(names!.every((n) => n.length <= 64));
  assert.deepEqual(parsed.request.tools?.[1], {
    name: 'crm__lookup_2',
    description: 'Look up',
    parameters: lookup.parameters,
  });
  assert.ok(parsed.customTools.has('crm__note'));
  assert.deepEqual(parsed.request.tool_choice, { name: 'crm__lookup_2' });
  assert.deepEqual(parsed.request.messages[1]?.tool_calls, [
    { id: 'c1', name: 'crm__lookup_2', arguments: '{"id":"1"}' },
  ]);

  const answer = toResponsesResponse(
    {
      id: 'x',
      model: 'm',
      content: '',
      finish_reason: 'tool_calls',
      tool_calls: [
        { id: 'c2', name: 'crm__lookup_2', arguments: '{"id":"2"}' },
        { id: 'c3', name: 'crm__lookup', arguments: '{}' },
        { id: 'c4', name: 'crm__note', arguments: '{"input":"hi"}' },
      ],
    },
    { customTools: parsed.customTools, namespaces: parsed.namespaces },
  );
  const output = answer['output'] as Record<string, unknown>[];
  assert.deepEqual(
    output.map((o) => [o['type'], o['namespace'], o['name']]),
    [
      ['function_call', 'crm', 'lookup'],
      ['function_call', undefined, 'crm__lookup'],
      ['custom_tool_call', 'crm', 'note'],
    ],
  );
  assert.equal(output[2]!['input'], 'hi');
});

test('built-in tools on a chain whose every route serves the Responses API pass, forced or not; a route without it is named', () => {
  const body = {
    model: 'm',
    input: 'x',
    tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }],
    tool_choice: { type: 'file_search' },
  };
  const passed = parseResponsesRequest(body, { hostedTools: 'refuse', routeWithoutResponses: () => undefined });
  assert.deepEqual([passed.droppedTools, passed.request.tools, passed.request.tool_choice], [[], undefined, undefined]);
  assert.equal(passed.request.responses_body, body);
  assert.throws(
    () => parseResponsesRequest(body, { hostedTools: 'drop', routeWithoutResponses: () => 'plain/chat (fallback[0])' }),
    (e: unknown) =>
      WireRequestError.isInstance(e) &&
      /forces the built-in "file_search" tool.*route plain\/chat \(fallback\[0\]\) does not serve the Responses API/.test(
        e.message,
      ),
  );
  const { tool_choice: _forced, ...offered } = body;
  assert.throws(
    () =>
      parseResponsesRequest(offered, {
        hostedTools: 'refuse',
        routeWithoutResponses: () => 'plain/chat (fallback[0])',
      }),
    (e: unknown) =>
      WireRequestError.isInstance(e) &&
      /^tools\[0\]\.type: "file_search" is a built-in tool.*route plain\/chat \(fallback\[0\]\) does not serve/.test(
        e.message,
      ),
  );
  assert.deepEqual(
    parseResponsesRequest(offered, { hostedTools: 'drop', routeWithoutResponses: () => 'plain/chat (fallback[0])' })
      .droppedTools,
    ['file_search'],
  );
});

test('tool_choice allowed_tools: the routes are offered only the tools it lists, under its mode', () => {
  const parsed = parseResponsesRequest({
    model: 'm',
    input: 'x',
    tools: [
      { type: 'function', name: 'a' },
      { type: 'function', name: 'b' },
      { type: 'namespace', name: 'crm', description: '', tools: [{ type: 'function', name: 'find' }] },
      { type: 'web_search' },
    ],
    tool_choice: {
      type: 'allowed_tools',
      mode: 'required',
      tools: [
        { type: 'function', name: 'b' },
        { type: 'function', name: 'find', namespace: 'crm' },
        { type: 'web_search' },
      ],
    },
  });
  assert.deepEqual(
    parsed.request.tools?.map((t) => t.name),
    ['b', 'crm__find'],
  );
  assert.equal(parsed.request.tool_choice, 'required');
});

test("tools declared in additional_tools input items (Codex's Responses Lite) are offered; functions tools keep their names and answer plain", () => {
  const declared = {
    type: 'additional_tools',
    role: 'developer',
    tools: [
      {
        type: 'namespace',
        name: 'functions',
        description: '',
        tools: [
          { type: 'custom', name: 'exec', format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' } },
          { type: 'function', name: 'wait', parameters: { type: 'object' } },
        ],
      },
      {
        type: 'namespace',
        name: 'clock',
        description: '',
        tools: [{ type: 'function', name: 'sleep', parameters: { type: 'object' } }],
      },
      { type: 'web_search' },
    ],
  };
  const parsed = parseResponsesRequest({
    model: 'm',
    parallel_tool_calls: false,
    input: [
      declared,
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'call exec' }] },
      { type: 'custom_tool_call', call_id: 'c1', name: 'exec', namespace: 'functions', input: 'tools.list()' },
      { type: 'custom_tool_call_output', call_id: 'c1', output: [{ type: 'input_text', text: '[]' }] },
      // The same tools again, as a conversation that re-sends them: offered once.
      declared,
    ],
  });
  assert.deepEqual(
    parsed.request.tools?.map((t) => t.name),
    ['exec', 'wait', 'clock__sleep'],
  );
  assert.deepEqual(parsed.droppedTools, ['web_search']);
  assert.deepEqual(
    parsed.request.messages.map((m) => m.role),
    ['user', 'assistant', 'tool'],
  );
  assert.equal(parsed.request.messages[1]?.tool_calls?.[0]?.name, 'exec');
  const answer = toResponsesResponse(
    {
      id: 'x',
      model: 'm',
      content: '',
      finish_reason: 'tool_calls',
      tool_calls: [
        { id: 'c2', name: 'exec', arguments: '{"input":"1+1"}' },
        { id: 'c3', name: 'clock__sleep', arguments: '{}' },
      ],
    },
    parsed,
  );
  const output = answer['output'] as Record<string, unknown>[];
  assert.deepEqual(
    output.map((o) => [o['type'], o['namespace'], o['name']]),
    [
      ['custom_tool_call', undefined, 'exec'],
      ['function_call', 'clock', 'sleep'],
    ],
  );
  assert.throws(
    () => parseResponsesRequest({ model: 'm', input: [{ type: 'additional_tools', tools: 'all' }] }),
    (e: unknown) => WireRequestError.isInstance(e) && /^input\[0\]\.tools: expected an array of tools/.test(e.message),
  );
  assert.throws(
    () =>
      parseResponsesRequest(
        { model: 'm', input: [{ type: 'additional_tools', tools: [{ type: 'web_search' }] }] },
        { hostedTools: 'refuse' },
      ),
    (e: unknown) =>
      WireRequestError.isInstance(e) &&
      /^input\[0\]\.tools\[0\]\.type: "web_search" is a built-in tool/.test(e.message),
  );
});
