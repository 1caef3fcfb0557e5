import { BaseNotificationChannel, toJobId } from 'agenda';
import { SqliteNotificationChannel } from './sqlite-notification-channel.js';

/** A notification channel class; TypeScript requires `any[]` constructor arguments of a mixin's base. */
type ChannelClass = abstract new (...args: any[]) => BaseNotificationChannel;

/** A notification channel that can also wake this process alone. */
export type WakingNotificationChannel = BaseNotificationChannel & { wake(jobName: string): void };

/**
 * Adds `wake` to a notification channel class: a notification for this process only. Agenda's
 * job processor locks new jobs only on a scan, or when a notification arrives, so a worker that
 * finished a run wakes itself to lock the next one at once.
 */
export function withWake<T extends ChannelClass>(Channel: T) {
  abstract class WakingChannel extends Channel {
    wake(jobName: string): void {
      if (this.state !== 'connected') return;
      const now = new Date();
      const notification = { jobId: toJobId('wake'), jobName, nextRunAt: now, priority: 0, timestamp: now };
      void this.notifyHandlers(notification);
    }
  }
  return WakingChannel;
}

/** Wake-ups between processes through the SQLite job store's notification table. */
export class WakingSqliteNotificationChannel extends withWake(SqliteNotificationChannel) {}
