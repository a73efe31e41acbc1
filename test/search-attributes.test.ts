import { Connection } from '@temporalio/client';
import Long from 'long';
import { AGENTRUN_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { ensureSearchAttributes } from '../src/worker';
import { temporalAddress } from './support/temporal';

describe('ensureSearchAttributes', () => {
  it("registers agentrun's search attributes in a namespace that lacks them, and is idempotent", async () => {
    const connection = await Connection.connect({ address: temporalAddress() });
    try {
      const namespace = `sa-check-${Date.now()}`;
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
      const missing = async () => {
        const listed = await connection.operatorService.listSearchAttributes({ namespace });
        return AGENTRUN_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (listed.customAttributes ?? {}))).map((key) => key.name);
      };
      // A namespace made by hand starts without them (the dev-server flags cover only its own namespaces).
      expect(await missing()).not.toEqual([]);
      const lines: string[] = [];
      await ensureSearchAttributes(connection, namespace, (line) => lines.push(line));
      expect(await missing()).toEqual([]);
      expect(lines.join('\n')).toContain('registered search attributes');
      await ensureSearchAttributes(connection, namespace, (line) => lines.push(line));
      expect(lines).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });
});
