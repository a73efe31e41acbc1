/**
 * Notifying people of a call that waits for them: one activity per notification, retried by
 * Temporal until every configured endpoint has it or the call is decided (the workflow then
 * cancels it). Endpoints already served are kept in the heartbeat details, so a retry posts only
 * to those that failed.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { postNotification, redactUrl, type NotificationConfig, type WaitingCallNotice } from '../notifications/approval-notifications';
import { FailureType } from '../shared/failure-types';

export function createNotificationActivities(config: () => NotificationConfig | undefined) {
  return {
    /** Posts one notification to every endpoint that has not had it yet; throws (and is retried) while some fail. */
    async notifyWaitingCall(notice: WaitingCallNotice): Promise<{ delivered: number }> {
      const settings = config();
      // A worker without endpoints (configuration removed since the run started): nothing to send.
      if (!settings) return { delivered: 0 };
      const context = Context.current();
      const delivered = new Set<number>((context.info.heartbeatDetails as { delivered?: number[] } | undefined)?.delivered ?? []);
      const failures: string[] = [];
      for (const [index, url] of settings.urls.entries()) {
        if (delivered.has(index)) continue;
        try {
          const status = await postNotification(settings, url, notice, context.cancellationSignal);
          if (status >= 200 && status < 300) {
            delivered.add(index);
            context.heartbeat({ delivered: [...delivered] });
          } else {
            failures.push(`${redactUrl(url)} answered ${status}`);
          }
        } catch (error) {
          if (context.cancellationSignal.aborted) throw error;
          failures.push(`${redactUrl(url)}: ${(error as Error).message}`);
        }
      }
      if (failures.length) {
        throw ApplicationFailure.create({ type: FailureType.NotificationFailed, message: `Notification ${notice.kind} for ${notice.toolCallId} not delivered (${failures.join('; ')}); retried until the call is decided.` });
      }
      return { delivered: delivered.size };
    },
  };
}
