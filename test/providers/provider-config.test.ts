import { readProviderConfig, describeProviderConfig, ProviderConfigurationError } from '../../src/providers/provider-config';
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
