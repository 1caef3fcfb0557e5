/**
 * The storage contract suite against MongoDB. It runs only where MONGO_URL names a replica set
 * (transactions need one), such as mongodb://127.0.0.1:27017/?replicaSet=rs0. Each run uses a
 * database of its own, emptied after every test and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, describe } from 'vitest';
import { openMongoStorage, type MongoStorage } from '../src/mongo/index.js';
import type { Storage } from '../src/types.js';
import { defineStorageContract } from './contract/index.js';
import { MONGO_SKIP_REASON, mongoTestUrl } from './mongo-url.js';

const url = mongoTestUrl();
if (url === null) {
  console.warn(`MongoDB storage contract suite skipped: ${MONGO_SKIP_REASON}`);
}

/** One database per run, so parallel runs against one server never meet. */
const dbName = `gestorlead_test_${process.pid}_${randomBytes(4).toString('hex')}`;

describe.skipIf(url === null)(`MongoDB (${url === null ? `skipped: ${MONGO_SKIP_REASON}` : 'MONGO_URL'})`, () => {
  const admin = url === null ? null : mongoose.createConnection(url, { dbName });

  afterAll(async () => {
    if (admin === null) return;
    await admin.asPromise();
    await admin.dropDatabase();
    await admin.close();
  });

  defineStorageContract(
    'MongoDB',
    () => openMongoStorage({ url: url!, dbName, serverSelectionTimeoutMs: 10_000 }),
    async (storage: Storage) => {
      const { models } = storage as MongoStorage;
      await storage.close();
      await admin!.asPromise();
      for (const model of Object.values(models)) {
        await admin!.collection(model.collection.collectionName).deleteMany({});
      }
    },
  );
});
