import {
  readProviderConfig,
  describeProviderConfig,
  parseFoundryConnectionString,
  ProviderConfigurationError,
} from '../../src/providers/provider-config';
import { redactSecrets, retryAfterMs } from '../../src/providers/to-application-failure';

describe('readProviderConfig', () => {
  it('defaults to the emulator', () => {
    expect(readProviderConfig({})).toEqual({ kind: 'emulator', baseUrl: 'http://127.0.0.1:4010', apiKey: 'emulator-key', timeoutMs: 60_000 });
  });

  it('reads each provider from its variables', () => {
    expect(readProviderConfig({ AGENTRUN_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-123456', OPENAI_BASE_URL: 'https://proxy.example/v1/' })).toMatchObject({
      kind: 'openai',
      apiKey: 'sk-test-123456',
      baseUrl: 'https://proxy.example/v1',
    });
    expect(readProviderConfig({ AGENTRUN_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com' })).toMatchObject({
      kind: 'azure-openai',
      apiKey: undefined,
      apiVersion: '2024-08-01-preview',
    });
    expect(readProviderConfig({ AGENTRUN_PROVIDER: 'azure-foundry', AZURE_AI_PROJECT_ENDPOINT: 'https://r.services.ai.azure.com/api/projects/p', AGENTRUN_PROVIDER_TIMEOUT_MS: '5000' })).toEqual({
      kind: 'azure-foundry',
      endpoint: 'https://r.services.ai.azure.com/api/projects/p',
      apiVersion: 'v1',
      timeoutMs: 5000,
    });
  });

  it('reads a hub-based Foundry project from its connection string', () => {
    const connectionString = 'eastus.api.azureml.ms;1234-5678;my-rg;my-project';
    const config = readProviderConfig({ AGENTRUN_PROVIDER: 'azure-foundry', AZURE_AI_PROJECT_CONNECTION_STRING: connectionString });
    expect(config).toEqual({
      kind: 'azure-foundry',
      endpoint:
        'https://eastus.api.azureml.ms/agents/v1.0/subscriptions/1234-5678/resourceGroups/my-rg/providers/Microsoft.MachineLearningServices/workspaces/my-project',
      apiVersion: '2024-12-01-preview',
      timeoutMs: 60_000,
      projectType: 'hub',
    });
    expect(describeProviderConfig(config)).toBe(
      `Azure AI Foundry hub-based project at ${config.kind === 'azure-foundry' ? config.endpoint : ''}, api-version 2024-12-01-preview (Entra ID)`,
    );
    expect(
      readProviderConfig({
        AGENTRUN_PROVIDER: 'azure-foundry',
        AZURE_AI_PROJECT_CONNECTION_STRING: ' 127.0.0.1:8443;sub;rg;p ',
        AZURE_AI_AGENTS_API_VERSION: '2024-07-01-preview',
      }),
    ).toMatchObject({ endpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:8443\/agents\/v1\.0\//), apiVersion: '2024-07-01-preview' });
    expect(parseFoundryConnectionString('[::1]:8443;sub;rg;p')?.host).toBe('[::1]:8443');
  });

  it('needs exactly one of the Foundry endpoint and the connection string', () => {
    expect(() => readProviderConfig({ AGENTRUN_PROVIDER: 'azure-foundry' })).toThrow(
      /AZURE_AI_PROJECT_ENDPOINT is required .*or AZURE_AI_PROJECT_CONNECTION_STRING \(HOST;SUBSCRIPTION_ID;RESOURCE_GROUP;PROJECT_NAME\)/,
    );
    expect(() =>
      readProviderConfig({
        AGENTRUN_PROVIDER: 'azure-foundry',
        AZURE_AI_PROJECT_ENDPOINT: 'https://r.services.ai.azure.com/api/projects/p',
        AZURE_AI_PROJECT_CONNECTION_STRING: 'h;s;r;p',
      }),
    ).toThrow(/set AZURE_AI_PROJECT_ENDPOINT \(a Foundry project\) or AZURE_AI_PROJECT_CONNECTION_STRING \(a hub-based project\), not both/);
  });

  it.each([
    ['three parts', 'westus.api.azureml.ms;sub-7f3a;rg-7f3a'],
    ['an empty part', 'westus.api.azureml.ms;;rg-7f3a;proj-7f3a'],
    ['a scheme on the host', 'https://westus.api.azureml.ms;sub-7f3a;rg-7f3a;proj-7f3a'],
    ['a path in a part', 'westus.api.azureml.ms;sub-7f3a/x;rg-7f3a;proj-7f3a'],
    ['another kind of connection string, holding a key', 'Endpoint=https://x.openai.azure.com/;Key=super-secret-key-0123456789'],
  ])('refuses a connection string with %s, naming the variable and the form, never its value', (_label, value) => {
    let error: unknown;
    try {
      readProviderConfig({ AGENTRUN_PROVIDER: 'azure-foundry', AZURE_AI_PROJECT_CONNECTION_STRING: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('AZURE_AI_PROJECT_CONNECTION_STRING must have the form HOST;SUBSCRIPTION_ID;RESOURCE_GROUP;PROJECT_NAME');
    for (const part of value.split(';').filter((piece) => piece !== '')) expect(message).not.toContain(part);
  });

  it('names the missing or wrong variable and the fix', () => {
    expect(() => readProviderConfig({ AGENTRUN_PROVIDER: 'openai' })).toThrow(/OPENAI_API_KEY is required/);
    expect(() => readProviderConfig({ AGENTRUN_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: 'not a url' })).toThrow(/AZURE_OPENAI_ENDPOINT must be an http\(s\) URL/);
    expect(() => readProviderConfig({ AGENTRUN_PROVIDER: 'bedrock' })).toThrow(ProviderConfigurationError);
    expect(() => readProviderConfig({ AGENTRUN_PROVIDER: 'bedrock' })).toThrow(/use one of: emulator, openai, azure-openai, azure-foundry/);
    expect(() => readProviderConfig({ AGENTRUN_PROVIDER_TIMEOUT_MS: '-3' })).toThrow(/AGENTRUN_PROVIDER_TIMEOUT_MS must be > 0/);
  });

  it('never puts a secret in an error or a description', () => {
    const secret = 'sk-very-secret-value-42';
    let message = '';
    try {
      readProviderConfig({ AGENTRUN_PROVIDER: 'openai', OPENAI_API_KEY: secret, OPENAI_BASE_URL: 'ftp://x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/OPENAI_BASE_URL/);
    expect(message).not.toContain(secret);
    const config = readProviderConfig({ AGENTRUN_PROVIDER: 'openai', OPENAI_API_KEY: secret });
    expect(describeProviderConfig(config)).not.toContain(secret);
  });
});

describe('redactSecrets', () => {
  it('removes configured secrets, bearer tokens, sk- keys and api-key pairs', () => {
    const text = 'key my-emulator-secret, Authorization: Bearer eyJhbGciOi.abc, sk-proj-abcdefgh12, api-key=abcdef123456';
    const redacted = redactSecrets(text, ['my-emulator-secret']);
    expect(redacted).not.toMatch(/my-emulator-secret|eyJhbGciOi|sk-proj-abcdefgh12|abcdef123456/);
    expect(redacted).toContain('[REDACTED]');
  });
});

describe('retryAfterMs', () => {
  it('prefers retry-after-ms, then retry-after seconds or date, capped at 10 minutes', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(new Headers({ 'retry-after': '86400' }))).toBe(600_000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
