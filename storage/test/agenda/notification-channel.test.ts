import Database from 'better-sqlite3';
import { toJobId, type JobNotification } from 'agenda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SqliteNotificationChannel,
  createSqliteAgendaBackend,
  type SqliteAgendaBackend,
} from '../../src/index.js';
import { createTempDatabase, delay, waitFor, type TempDatabase } from './helpers.js';

function buildNotification(overrides: Partial<JobNotification> = {}): JobNotification {
  return {
    jobId: toJobId('job-1'),
    jobName: 'work',
    nextRunAt: new Date('2026-05-01T10:00:00.000Z'),
    priority: 5,
    timestamp: new Date(),
    source: 'scheduler',
    ...overrides,
  };
}

describe('SQLite notification channel', () => {
  let temp: TempDatabase;
  const backends: SqliteAgendaBackend[] = [];

  function openBackend(pollIntervalMs = 20, retentionMs?: number): SqliteAgendaBackend {
    const backend = createSqliteAgendaBackend({
      path: temp.path,
      notifications: { pollIntervalMs, retentionMs },
    });
    backends.push(backend);
    return backend;
  }

  function channelOf(backend: SqliteAgendaBackend): SqliteNotificationChannel {
    return backend.notificationChannel!;
  }

  beforeEach(() => {
    temp = createTempDatabase();
  });

  afterEach(async () => {
    for (const backend of backends.splice(0)) {
      await backend.disconnect();
    }
    temp.remove();
  });

  it('is connected by the backend', async () => {
    const backend = openBackend();
    expect(channelOf(backend).state).toBe('disconnected');
    await backend.connect();
    expect(channelOf(backend).state).toBe('connected');
  });

  it('is absent when notifications are off', () => {
    const backend = createSqliteAgendaBackend({ path: temp.path, notifications: false });
    backends.push(backend);
    expect(backend.notificationChannel).toBeUndefined();
  });

  it('delivers a notification to another connection', async () => {
    const publisher = openBackend();
    const subscriber = openBackend();
    await publisher.connect();
    await subscriber.connect();
    const received: JobNotification[] = [];
    channelOf(subscriber).subscribe((notification) => {
      received.push(notification);
    });

    const sent = buildNotification();
    await channelOf(publisher).publish(sent);
    await waitFor('the notification to arrive', () => received.length === 1, 2000);

    expect(received[0]).toEqual({ ...sent, timestamp: received[0].timestamp });
    expect(received[0].timestamp.getTime()).toBeGreaterThanOrEqual(sent.timestamp.getTime());
  });

  it('delivers its own notification once, at once', async () => {
    const backend = openBackend();
    await backend.connect();
    const received: JobNotification[] = [];
    channelOf(backend).subscribe((notification) => {
      received.push(notification);
    });

    await channelOf(backend).publish(buildNotification());
    expect(received).toHaveLength(1);
    await delay(100);
    expect(received).toHaveLength(1);
  });

  it('skips notifications before the first subscriber', async () => {
    const publisher = openBackend();
    const subscriber = openBackend();
    await publisher.connect();
    await subscriber.connect();
    await channelOf(publisher).publish(buildNotification({ jobId: toJobId('old') }));

    const received: string[] = [];
    channelOf(subscriber).subscribe((notification) => {
      received.push(notification.jobId);
    });
    await channelOf(publisher).publish(buildNotification({ jobId: toJobId('new') }));
    await waitFor('the new notification', () => received.length > 0, 2000);
    await delay(60);

    expect(received).toEqual(['new']);
  });

  it('stops reading when the last subscriber leaves', async () => {
    const publisher = openBackend();
    const subscriber = openBackend();
    await publisher.connect();
    await subscriber.connect();
    const received: string[] = [];
    const unsubscribe = channelOf(subscriber).subscribe((notification) => {
      received.push(notification.jobId);
    });

    unsubscribe();
    await channelOf(publisher).publish(buildNotification());
    await delay(100);

    expect(received).toEqual([]);
  });

  it('rejects publishing while disconnected', async () => {
    const backend = openBackend();
    await expect(channelOf(backend).publish(buildNotification())).rejects.toThrow(/disconnected/);
  });

  it('deletes rows older than the retention', async () => {
    const backend = openBackend(20, 1);
    await backend.connect();
    const db = backend.repository.db;
    db.prepare(
      `insert into agenda_notifications (channel_id, job_id, job_name, created_at)
       values ('c', 'j', 'n', ?)`,
    ).run(Date.now() - 10_000);

    await channelOf(backend).publish(buildNotification());

    const readAges = db.prepare('select created_at from agenda_notifications').pluck();
    const ages = readAges.all() as number[];
    expect(ages.every((createdAt) => createdAt > Date.now() - 5000)).toBe(true);
  });

  it('reports failed reads once on its error event', async () => {
    const db = new Database(temp.path);
    db.close();
    const channel = new SqliteNotificationChannel(() => db, { pollIntervalMs: 10 });
    const errors: Error[] = [];
    channel.on('error', (error: Error) => errors.push(error));

    await channel.connect();
    channel.subscribe(() => {});
    await delay(80);
    await channel.disconnect();

    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/agenda_notifications/);
    expect((errors[0].cause as Error).message).toMatch(/not open/);
  });
});
